import { describe, expect, it } from 'vitest';
import { XenVersionError } from '../../src/emuflags/errors.js';
import { compareVersions, parseXenVersion, NEWEST_VERSION } from '../../src/emuflags/versions.js';
import { ruleSetFor } from '../../src/emuflags/rules.js';

describe('parseXenVersion', () => {
  it.each([
    ['4.8.3', '4.8.3'],
    ['4.10.1', '4.10.1'],
    ['4.17', '4.17.0'],
    ['4.21', '4.21.0'],
    ['v4.19.2', '4.19.2'],
    ['RELEASE-4.7.0', '4.7.0'],
    ['master', 'master'],
    ['MASTER', 'master'],
    ['unstable', 'master'],
    ['4.23-dev', 'master'],
  ])('%s → %s', (input, label) => {
    expect(parseXenVersion(input).label).toBe(label);
  });

  it.each([['4.6'], ['3.4'], ['5.0'], ['4.23'], ['4'], ['4.x'], [''], ['4.8.3.1'], ['latest-ish']])(
    'rejects %j with a typed error naming the accepted forms',
    (input) => {
      let err: unknown;
      try {
        parseXenVersion(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(XenVersionError);
      const e = err as XenVersionError;
      expect(e.input).toBe(input);
      expect(e.message).toContain('master');
      expect(e.message).toContain('4.10.1');
    },
  );

  it('orders master after every release', () => {
    expect(compareVersions(parseXenVersion('master'), parseXenVersion('4.22.9'))).toBeGreaterThan(0);
    expect(compareVersions(parseXenVersion('4.10.1'), parseXenVersion('4.9.9'))).toBeGreaterThan(0);
    expect(NEWEST_VERSION.isMaster).toBe(true);
  });
});

describe('rule set per release, including the XSA-256 backports', () => {
  it.each([
    ['4.7', '4.7'],
    ['4.7.6', '4.7'],
    ['4.8', '4.8'],
    ['4.8.3', '4.8'],
    ['4.8.4', '4.8.4'],
    ['4.8.5', '4.8.4'],
    ['4.9.0', '4.9'],
    ['4.9.1', '4.9'],
    ['4.9.2', '4.9.2'],
    ['4.9.4', '4.9.2'],
    ['4.10', '4.10'],
    ['4.10.1', '4.10.1'],
    ['4.10.4', '4.10.1'],
    ['4.11', '4.11'],
    ['4.18.3', '4.11'],
    ['4.19', '4.19'],
    ['4.20.1', '4.19'],
    ['4.21', '4.21'],
    ['4.22', '4.21'],
    ['master', '4.21'],
  ])('%s uses the %s rules', (v, id) => {
    expect(ruleSetFor(v).id).toBe(id);
  });

  it('marks which sets forbid 0 for HVM-container domUs (XSA-256)', () => {
    expect(ruleSetFor('4.8.3').xsa256).toBe(false);
    expect(ruleSetFor('4.8.4').xsa256).toBe(true);
    expect(ruleSetFor('4.9.1').xsa256).toBe(false);
    expect(ruleSetFor('4.9.2').xsa256).toBe(true);
    expect(ruleSetFor('4.10.0').xsa256).toBe(false);
    expect(ruleSetFor('4.10.1').xsa256).toBe(true);
    expect(ruleSetFor('4.11').xsa256).toBe(true);
  });
});
