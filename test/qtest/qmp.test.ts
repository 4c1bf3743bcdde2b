// The QMP subset of hvmdev-system-x86_64: the greeting, negotiation, the six commands, ids, events,
// errors for everything else, and QEMU's single-quoted JSON.
import { describe, expect, it } from 'vitest';
import { JsonObjectSplitter, QmpConnection, toStrictJson, type QmpMachine } from '../../src/qtest/qmp.js';

function connection(paused = false) {
  const sent: unknown[] = [];
  const calls: string[] = [];
  const machine: QmpMachine = { packageName: 'hvmdev', paused, reset: () => calls.push('reset'), quit: () => calls.push('quit') };
  const conn = new QmpConnection(
    machine,
    (text) => {
      expect(text.endsWith('\r\n')).toBe(true);
      sent.push(JSON.parse(text));
    },
    () => 1_700_000_000_123,
  );
  return { conn, sent, calls };
}

describe('QMP subset', () => {
  it('greets with QEMU 7.2 and refuses commands until qmp_capabilities', () => {
    const { conn, sent } = connection();
    conn.greet();
    conn.receive('{"execute": "query-status"}');
    conn.receive('{"execute": "qmp_capabilities"}');
    conn.receive('{"execute": "qmp_capabilities"}');
    expect(sent).toEqual([
      { QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: 'hvmdev' }, capabilities: ['oob'] } },
      { error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } },
      { return: {} },
      { error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' } },
    ]);
  });

  it('query-status, query-version, system_reset (RESET event), quit (SHUTDOWN event), ids echoed, others CommandNotFound', () => {
    const { conn, sent, calls } = connection();
    conn.receive('{"execute":"qmp_capabilities"}');
    sent.length = 0;
    conn.receive('{"execute":"query-status","id":1}{"execute":"query-version","id":"v"}\n{"execute":"system_reset"}');
    conn.receive('{"execute":"cont"}{"execute":"quit","id":9}');
    const event = (name: string, reason: string) => ({
      timestamp: { seconds: 1_700_000_000, microseconds: 123_000 },
      event: name,
      data: { guest: false, reason },
    });
    expect(sent).toEqual([
      { return: { status: 'running', singlestep: false, running: true }, id: 1 },
      { return: { qemu: { major: 7, minor: 2, micro: 0 }, package: 'hvmdev' }, id: 'v' },
      { return: {} },
      event('RESET', 'host-qmp-system-reset'),
      { error: { class: 'CommandNotFound', desc: 'The command cont has not been found' } },
      { return: {}, id: 9 },
      event('SHUTDOWN', 'host-qmp-quit'),
    ]);
    expect(calls).toEqual(['reset', 'quit']);
  });

  it('-S: query-status reports prelaunch', () => {
    const { conn, sent } = connection(true);
    conn.receive("{ 'execute': 'qmp_capabilities' }{ 'execute': 'query-status' }");
    expect(sent[1]).toEqual({ return: { status: 'prelaunch', singlestep: false, running: false } });
  });

  it('events only after negotiation; a stopped run state (watchdog pause) in query-status', () => {
    const sent: unknown[] = [];
    let stopped: string | null = null;
    const machine: QmpMachine = { packageName: 'hvmdev', paused: false, stoppedState: () => stopped, reset: () => undefined, quit: () => undefined };
    const conn = new QmpConnection(
      machine,
      (t) => void sent.push(JSON.parse(t)),
      () => 1_700_000_000_123,
    );
    conn.sendEvent('WATCHDOG', { action: 'pause' });
    expect(sent).toEqual([]);
    conn.receive('{"execute":"qmp_capabilities"}');
    conn.sendEvent('WATCHDOG', { action: 'pause' });
    stopped = 'watchdog';
    conn.receive('{"execute":"query-status"}');
    expect(sent.slice(1)).toEqual([
      { timestamp: { seconds: 1_700_000_000, microseconds: 123_000 }, event: 'WATCHDOG', data: { action: 'pause' } },
      { return: { status: 'watchdog', singlestep: false, running: false } },
    ]);
  });

  it('requests split across chunks, single quotes, malformed input: answered, never thrown', () => {
    const { conn, sent } = connection();
    conn.receive("{ 'exec");
    conn.receive("ute': 'qmp_capabilities' }");
    conn.receive('{"execute": }');
    conn.receive('{"arguments": {}}');
    conn.receive('{"execute": "x{y}"}');
    expect(sent).toEqual([
      { return: {} },
      { error: { class: 'GenericError', desc: 'JSON parse error, invalid JSON' } },
      { error: { class: 'GenericError', desc: "QMP input lacks member 'execute'" } },
      { error: { class: 'CommandNotFound', desc: 'The command x{y} has not been found' } },
    ]);
  });

  it('toStrictJson turns single-quoted strings into JSON strings; JsonObjectSplitter caps a request', () => {
    expect(toStrictJson(`{'a': 'it\\'s "x"', "b": "c'd"}`)).toBe(`{"a": "it's \\"x\\"", "b": "c'd"}`);
    const split = new JsonObjectSplitter(16);
    expect(split.push('{"execute":"0123456789"}{"a":1}')).toEqual([null, '{"a":1}']);
  });
});
