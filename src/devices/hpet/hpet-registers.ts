// HPET register map (IA-PC HPET 1.0a §2.3, Table 2) and bit fields. Every register is 64 bits.

export const HPET_REG = {
  /** General Capabilities and ID (RO). */
  GCAP_ID: 0x000,
  /** General Configuration (RW): ENABLE_CNF, LEG_RT_CNF. */
  GEN_CONF: 0x010,
  /** General Interrupt Status (RW1C, level-triggered timers only). */
  GINTR_STA: 0x020,
  /** Main Counter Value (RW; write only while halted, §2.3.7). */
  MAIN_CNT: 0x0f0,
  /** Timer N registers start here, 0x20 apart. */
  TIMER_BASE: 0x100,
  TIMER_STRIDE: 0x20,
  /** Offsets inside a timer block. */
  TN_CONF: 0x00,
  TN_COMPARATOR: 0x08,
  TN_FSB_ROUTE: 0x10,
} as const;

/** The register table, for docs and `describe`. */
export const HPET_REGISTER_TABLE = [
  { offset: 0x000, name: 'GCAP_ID', access: 'RO', note: 'rev, NUM_TIM_CAP, COUNT_SIZE_CAP, LEG_RT_CAP, vendor; 63:32 period (fs)' },
  { offset: 0x010, name: 'GEN_CONF', access: 'RW', note: 'bit 0 ENABLE_CNF, bit 1 LEG_RT_CNF' },
  { offset: 0x020, name: 'GINTR_STA', access: 'RW1C', note: 'bit n: timer n level interrupt active' },
  { offset: 0x0f0, name: 'MAIN_CNT', access: 'RW', note: '64-bit up-counter; write while halted' },
  { offset: 0x100, name: 'Tn_CONF', access: 'RW', note: '+0x20·n; caps in 63:32 and bits 4, 5, 15' },
  { offset: 0x108, name: 'Tn_COMPARATOR', access: 'RW', note: '+0x20·n; periodic: reads the next match' },
  { offset: 0x110, name: 'Tn_FSB_ROUTE', access: 'RW', note: '+0x20·n; 63:32 address, 31:0 data' },
] as const;

export const GCAP = {
  /** COUNT_SIZE_CAP: 64-bit main counter. */
  COUNT_SIZE_64: 1 << 13,
  /** LEG_RT_CAP. */
  LEGACY_ROUTE: 1 << 15,
  NUM_TIM_SHIFT: 8,
  VENDOR_SHIFT: 16,
} as const;

export const GEN_CONF = {
  ENABLE: 1 << 0,
  LEGACY: 1 << 1,
} as const;

/** Tn_CONF low dword bits (HPET 1.0a §2.3.8). */
export const TN_CONF = {
  /** Tn_INT_TYPE_CNF: 1 = level. */
  LEVEL: 1 << 1,
  /** Tn_INT_ENB_CNF. */
  INT_ENABLE: 1 << 2,
  /** Tn_TYPE_CNF: 1 = periodic. */
  PERIODIC: 1 << 3,
  /** Tn_PER_INT_CAP (RO). */
  PERIODIC_CAP: 1 << 4,
  /** Tn_SIZE_CAP (RO): 64-bit comparator. */
  SIZE_64_CAP: 1 << 5,
  /** Tn_VAL_SET_CNF: the next comparator write sets the accumulator (periodic). */
  VALUE_SET: 1 << 6,
  /** Tn_32MODE_CNF: force the timer to 32 bits. */
  MODE_32: 1 << 8,
  ROUTE_SHIFT: 9,
  ROUTE_MASK: 0x1f << 9,
  /** Tn_FSB_EN_CNF. */
  FSB_ENABLE: 1 << 14,
  /** Tn_FSB_INT_DEL_CAP (RO). */
  FSB_CAP: 1 << 15,
} as const;

/** Bits of Tn_CONF's low dword the guest may change (before capability gating). */
export const TN_CONF_WRITABLE =
  TN_CONF.LEVEL | TN_CONF.INT_ENABLE | TN_CONF.PERIODIC | TN_CONF.VALUE_SET | TN_CONF.MODE_32 | TN_CONF.ROUTE_MASK | TN_CONF.FSB_ENABLE;
