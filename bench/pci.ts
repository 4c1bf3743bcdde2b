// PCI benchmarks: a config read through 0xCF8/0xCFC (two port accesses) and through ECAM, an
// MSI-X table write through its BAR, and an MSI-X signal to the fabric, each against a direct
// call of the same work (the function's config read, the capability's table write).
import { MmioBus } from '../src/bus/mmio-bus.js';
import { PortBus } from '../src/bus/port-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import type { MsiMessage, MsiTarget } from '../src/irq/msi.js';
import { PciHost } from '../src/devices/pci/host.js';
import { XEN_PCI_HOST_PARAMS } from '../src/devices/pci/params.js';
import { measure, round } from './harness.js';

const OPS = 200_000;

class CountingTarget implements MsiTarget {
  count = 0;
  deliverMsi(_msg: MsiMessage): void {
    this.count++;
  }
}

export function benchPci(): Array<Record<string, number | string>> {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const target = new CountingTarget();
  fabric.setMsiTarget(target);
  const host = new PciHost(ports, mmio, fabric, XEN_PCI_HOST_PARAMS, null);
  const fn = host.attach(
    { device: 3 },
    {
      name: 'bench-dev',
      vendorId: 0x1af4,
      deviceId: 0x1041,
      classCode: 0x020000,
      bars: [{ index: 0, kind: 'mem32', size: 0x4000 }],
      capabilities: [{ kind: 'msix', vectors: 64, tableBar: 0, tableOffset: 0, pbaBar: 0, pbaOffset: 0x2000 }],
    },
  );
  const out: Array<Record<string, number | string>> = [];
  const direct = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) s += fn.configRead(0x00, 4);
    return s;
  }, OPS * 5);

  const addr = (0x80000000 | (3 << 11)) >>> 0;
  const cf8 = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      ports.write(0xcf8, 4, addr);
      s += ports.read(0xcfc, 4);
    }
    return s;
  }, OPS * 5);
  out.push({
    case: 'config read via 0xCF8/0xCFC (two port accesses)',
    ns: round(cf8.nsPerOp),
    directNs: round(direct.nsPerOp),
    ratio: round(cf8.nsPerOp / direct.nsPerOp),
  });

  const ecamAddr = 0xe0000000 + (3 << 15);
  const ecam = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) s += mmio.read(ecamAddr, 4);
    return s;
  }, OPS * 5);
  out.push({ case: 'config read via ECAM', ns: round(ecam.nsPerOp), directNs: round(direct.nsPerOp), ratio: round(ecam.nsPerOp / direct.nsPerOp) });

  // Map the BAR and enable MSI-X with bus mastering.
  host.configWrite(0, 0, 3 << 3, 0x10, 4, 0xfe000000);
  host.configWrite(0, 0, 3 << 3, 0x04, 2, 0x0006);
  host.configWrite(0, 0, 3 << 3, 0x42, 2, 0x8000);
  const msix = fn.msix!;
  const viaBar = measure((ops) => {
    for (let i = 0; i < ops; i++) mmio.write(0xfe000000 + ((i & 63) << 4) + 8, 4, i & 0xff);
    return ops;
  }, OPS * 5);
  const tableDirect = measure((ops) => {
    for (let i = 0; i < ops; i++) msix.tableWrite(((i & 63) << 4) + 8, i & 0xff);
    return ops;
  }, OPS * 5);
  out.push({
    case: 'MSI-X table write via BAR',
    ns: round(viaBar.nsPerOp),
    directNs: round(tableDirect.nsPerOp),
    ratio: round(viaBar.nsPerOp / tableDirect.nsPerOp),
  });

  for (let e = 0; e < 64; e++) {
    mmio.write(0xfe000000 + (e << 4), 4, 0xfee00000);
    mmio.write(0xfe000000 + (e << 4) + 12, 4, 0);
  }
  const signal = measure((ops) => {
    for (let i = 0; i < ops; i++) fn.signalMsi(i & 63);
    return target.count;
  }, OPS);
  out.push({ case: 'MSI-X signal → fabric.sendMsi (stand-in target)', ns: round(signal.nsPerOp) });
  return out;
}
