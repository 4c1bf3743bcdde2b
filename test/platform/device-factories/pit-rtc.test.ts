// Pit and Rtc resolve from a tsyringe container through the platform's factories (registerDeviceFactories) and the tokens the platform builder binds, and the HPET's legacy-replacement listener can drive both.
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { CLOCK, INTERRUPT_FABRIC, PIT_PARAMS, PORT_BUS, RTC_PARAMS, RTC_START_TIME, TIMER_MODE } from '../../../src/platform/tokens.js';
import { registerDeviceFactories } from '../../../src/platform/device-factories.js';
import { Pit } from '../../../src/devices/pit/pit.js';
import { QEMU_PC_PIT_PARAMS } from '../../../src/devices/pit/pit-params.js';
import { Rtc } from '../../../src/devices/rtc/rtc.js';
import { QEMU_PC_RTC_PARAMS } from '../../../src/devices/rtc/rtc-params.js';
import { XEN_DEFAULT_TIMER_MODE } from '../../../src/device-model/timer-mode/timer-mode.js';
import type { LegacyReplacementListener } from '../../../src/irq/legacy-replacement.js';

describe('dependency injection', () => {
  it('resolves Pit and Rtc from their tokens', () => {
    const c = container.createChildContainer();
    registerDeviceFactories(c);
    const clock = new VirtualClock({ minPeriodNs: 1 });
    const ports = new PortBus();
    const fabric = new InterruptFabric();
    c.register(CLOCK, { useValue: clock });
    c.register(PORT_BUS, { useValue: ports });
    c.register(INTERRUPT_FABRIC, { useValue: fabric });
    c.register(TIMER_MODE, { useValue: XEN_DEFAULT_TIMER_MODE });
    c.register(PIT_PARAMS, { useValue: QEMU_PC_PIT_PARAMS });
    c.register(RTC_PARAMS, { useValue: QEMU_PC_RTC_PARAMS });
    c.register(RTC_START_TIME, { useValue: '2024-02-29T12:00:00' });
    const pit = c.resolve(Pit);
    const rtc = c.resolve(Rtc);
    expect(pit.kind).toBe('i8254');
    expect(rtc.kind).toBe('mc146818');
    expect(ports.read(0x43, 1)).toBe(0);
    ports.write(0x70, 1, 0x07);
    expect(ports.read(0x71, 1)).toBe(0x29);
    const legacy: LegacyReplacementListener = {
      setLegacyReplacement: (on) => {
        pit.setLegacyReplacement(on);
        rtc.setLegacyReplacement(on);
      },
    };
    legacy.setLegacyReplacement(true);
    expect(pit.legacyReplacementActive).toBe(true);
    expect(fabric.gsiLevel(2)).toBe(false);
  });
});
