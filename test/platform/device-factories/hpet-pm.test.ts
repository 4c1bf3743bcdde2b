// The device classes resolve from a tsyringe container through the platform's factories (registerDeviceFactories) and the tokens the platform builder binds.
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { CLOCK, HPET_LEGACY_LISTENER, HPET_PARAMS, INTERRUPT_FABRIC, MMIO_BUS, PM_PARAMS, PORT_BUS, TIMER_MODE } from '../../../src/platform/tokens.js';
import { registerDeviceFactories } from '../../../src/platform/device-factories.js';
import { Hpet } from '../../../src/devices/hpet/hpet.js';
import { RecordingLegacyListener } from '../../../src/devices/hpet/legacy-replacement.js';
import { XEN_HPET_PARAMS } from '../../../src/devices/hpet/hpet-params.js';
import { PmTimer } from '../../../src/devices/pm/pm-timer.js';
import { XEN_PM_PARAMS } from '../../../src/devices/pm/pm-params.js';
import { XEN_DEFAULT_TIMER_MODE } from '../../../src/device-model/timer-mode/timer-mode.js';

describe('dependency injection', () => {
  it('resolves Hpet and PmTimer from their tokens', () => {
    const c = container.createChildContainer();
    registerDeviceFactories(c);
    const clock = new VirtualClock();
    const mmio = new MmioBus();
    const ports = new PortBus();
    c.register(CLOCK, { useValue: clock });
    c.register(MMIO_BUS, { useValue: mmio });
    c.register(PORT_BUS, { useValue: ports });
    c.register(INTERRUPT_FABRIC, { useValue: new InterruptFabric() });
    c.register(HPET_PARAMS, { useValue: XEN_HPET_PARAMS });
    c.register(HPET_LEGACY_LISTENER, { useValue: new RecordingLegacyListener() });
    c.register(TIMER_MODE, { useValue: XEN_DEFAULT_TIMER_MODE });
    c.register(PM_PARAMS, { useValue: XEN_PM_PARAMS });
    const hpet = c.resolve(Hpet);
    const pm = c.resolve(PmTimer);
    expect(mmio.read(0xfed00000, 4)).toBe(0x8086a201);
    expect(hpet.id).toBe('hpet');
    clock.advance(1_000_000_000);
    expect(ports.read(0x1f48, 4)).toBe(3_579_545);
    expect(pm.id).toBe('pm');
  });
});
