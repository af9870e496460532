/** Shared shapes of the flow decoders (NetFlow v5/v9, IPFIX, sFlow v5). */

export interface Exporter {
  address: string;
  port: number;
}

/** A decoded value of one information element. Counters wider than 2^53 lose precision (documented). */
export type FieldValue = number | string | boolean;

export type FlowDirection = 'ingress' | 'egress';

/**
 * One flow (or one sampled packet, for sFlow). Times are epoch milliseconds so that the hot path
 * allocates no Date objects; `toEcs` renders them.
 */
export interface FlowRecord {
  /** 5, 9, 10 (IPFIX) or 'sflow5'. */
  version: 5 | 9 | 10 | 'sflow5';
  exporter: Exporter;
  /** v9 source id, IPFIX observation domain, v5 engine type/id (type << 8 | id), sFlow sub-agent id. */
  observationDomain: number;
  /** Export-packet sequence number as sent by the exporter. */
  sequence: number;
  /** Template id (v9/IPFIX); 0 for v5/sFlow. */
  templateId: number;
  /** Position of the record inside its export packet (set index << 16 | record index). */
  recordIndex: number;
  receivedMs: number;
  exportMs: number;

  srcAddr?: string;
  dstAddr?: string;
  srcPort?: number;
  dstPort?: number;
  protocol?: number;
  tcpFlags?: number;
  tos?: number;
  bytes?: number;
  packets?: number;
  startMs?: number;
  endMs?: number;
  inputInterface?: number;
  outputInterface?: number;
  srcAs?: number;
  dstAs?: number;
  nextHop?: string;
  srcMask?: number;
  dstMask?: number;
  vlan?: number;
  direction?: FlowDirection;
  srcMac?: string;
  dstMac?: string;
  samplerId?: number;
  /** 1-in-N sampling, from the record, the v5 header, an options record or the sFlow sample. */
  samplingInterval?: number;
  icmpType?: number;
  icmpCode?: number;
  /** Biflow (RFC 5103) counters of the reverse direction, destination -> source. */
  reverseBytes?: number;
  reversePackets?: number;

  /** Every other decoded element, by IANA (or v9 / enterprise) name. Absent when there are none. */
  extras?: Record<string, FieldValue>;
  /**
   * The export packet (shared by its records, not copied) and this record's span in it: the input of
   * the deterministic event id. Use `recordBytes(r)` for a view.
   */
  packet: Uint8Array;
  rawStart: number;
  rawEnd: number;
  /** Span of the data set the record came in (v5: the whole packet; sFlow: the whole datagram). */
  setStart: number;
  setEnd: number;
}

/**
 * An options data record: exporter metadata (sampling interval, interface names, exporter stats...),
 * keyed by element name. Scope fields are prefixed `scope.`.
 */
export interface OptionsRecord {
  version: 9 | 10;
  exporter: Exporter;
  observationDomain: number;
  templateId: number;
  sequence: number;
  recordIndex: number;
  exportMs: number;
  values: Record<string, FieldValue>;
}

export type DecodeErrorCode =
  | 'truncated'
  | 'unsupported-version'
  | 'bad-length'
  | 'bad-template'
  | 'template-limit'
  | 'missing-template'
  | 'bad-record';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** Byte offset inside the packet where the problem was found. */
  offset?: number;
}

export interface DecodeResult {
  records: FlowRecord[];
  /** Options data records (exporter metadata), in arrival order. */
  options: OptionsRecord[];
  templatesLearned: number;
  errors: DecodeError[];
}
