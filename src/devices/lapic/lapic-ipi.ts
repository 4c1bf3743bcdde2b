// The ICR's send (SDM Vol. 3A §11.6.1, Figure 11-12; Xen's vlapic_ipi): the message an ICR write
// sends, one reusable object per LAPIC filled from ICR low/high. The router reads it synchronously
// and never keeps it, so sending an IPI allocates nothing.
import { ApicDeliveryMode, type ApicMessage, type ApicMessageSink } from '../../irq/apic-bus.js';
import { DELIVERY_MODE_MASK, DEST_LOGICAL, LEVEL_ASSERT, SHORTHAND_MASK, TRIGGER_LEVEL, VECTOR_MASK } from './registers.js';

export class IpiMessage implements ApicMessage {
  vector = 0;
  deliveryMode = 0;
  logical = false;
  destination = 0;
  levelTriggered = false;
  assert = true;
  shorthand = 0;
  constructor(readonly source: number) {}

  /** Fills the message from the ICR; `x2apic`: the destination is ICR[63:32], else ICR[63:56]. */
  fromIcr(low: number, high: number, x2apic: boolean): this {
    this.vector = low & VECTOR_MASK;
    this.deliveryMode = (low & DELIVERY_MODE_MASK) >>> 8;
    this.logical = (low & DEST_LOGICAL) !== 0;
    this.destination = x2apic ? high >>> 0 : high >>> 24;
    this.levelTriggered = (low & TRIGGER_LEVEL) !== 0;
    this.assert = (low & LEVEL_ASSERT) !== 0;
    this.shorthand = (low & SHORTHAND_MASK) >>> 18;
    return this;
  }
}

/** Sends what the ICR holds onto the APIC bus. */
export class IcrSender {
  private readonly message: IpiMessage;

  constructor(
    vcpu: number,
    private readonly bus: ApicMessageSink,
  ) {
    this.message = new IpiMessage(vcpu);
  }

  /** Sends the ICR's interrupt; false (nothing sent) for a fixed or lowest-priority IPI with a vector below 16. */
  send(low: number, high: number, x2apic: boolean): boolean {
    const mode = (low & DELIVERY_MODE_MASK) >>> 8;
    if ((mode === ApicDeliveryMode.Fixed || mode === ApicDeliveryMode.LowestPriority) && (low & VECTOR_MASK) < 16) return false;
    this.bus.deliverApicMessage(this.message.fromIcr(low, high, x2apic));
    return true;
  }
}
