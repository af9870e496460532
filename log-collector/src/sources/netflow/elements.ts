/**
 * Information-element table (IANA IPFIX registry; NetFlow v9 ids 1-127 coincide with it).
 * Data only: the decoder compiles templates against this table, so adding an element is one row.
 */

/** How the bytes of an element are read. */
export enum ValueType {
  Unsigned,
  Signed,
  Ipv4,
  Ipv6,
  Mac,
  String,
  Octets,
  /** dateTimeSeconds */
  Seconds,
  /** dateTimeMilliseconds */
  Millis,
  /** dateTimeMicroseconds / dateTimeNanoseconds (NTP 64-bit format) */
  Ntp,
  /** milliseconds since exporter boot (v9 FIRST/LAST_SWITCHED, IPFIX flow*SysUpTime) */
  Uptime,
  /** microseconds relative to the export time (flowStart/EndDeltaMicroseconds) */
  DeltaMicros,
  Boolean,
  Float,
}

/** FlowRecord properties an element may fill (the rest go to `extras`). */
export type RecordTarget =
  | 'srcAddr' | 'dstAddr' | 'srcPort' | 'dstPort' | 'protocol' | 'tcpFlags' | 'tos'
  | 'bytes' | 'packets' | 'startMs' | 'endMs' | 'inputInterface' | 'outputInterface'
  | 'srcAs' | 'dstAs' | 'nextHop' | 'srcMask' | 'dstMask' | 'vlan' | 'direction'
  | 'srcMac' | 'dstMac' | 'samplerId' | 'samplingInterval' | 'icmpTypeCode' | 'icmpType' | 'icmpCode'
  | 'reverseBytes' | 'reversePackets';

export interface ElementDef {
  id: number;
  name: string;
  type: ValueType;
  target?: RecordTarget;
  /** A lower number wins when two elements fill the same target (e.g. delta vs total counters). */
  rank?: number;
}

const U = ValueType.Unsigned;
const V4 = ValueType.Ipv4;
const V6 = ValueType.Ipv6;
const MAC = ValueType.Mac;
const S = ValueType.String;
const O = ValueType.Octets;

// [id, name, type, target?, rank?]
type Row = [number, string, ValueType, RecordTarget?, number?];
const ROWS: Row[] = [
  [1, 'octetDeltaCount', U, 'bytes', 0],
  [2, 'packetDeltaCount', U, 'packets', 0],
  [3, 'deltaFlowCount', U],
  [4, 'protocolIdentifier', U, 'protocol'],
  [5, 'ipClassOfService', U, 'tos'],
  [6, 'tcpControlBits', U, 'tcpFlags'],
  [7, 'sourceTransportPort', U, 'srcPort'],
  [8, 'sourceIPv4Address', V4, 'srcAddr'],
  [9, 'sourceIPv4PrefixLength', U, 'srcMask'],
  [10, 'ingressInterface', U, 'inputInterface'],
  [11, 'destinationTransportPort', U, 'dstPort'],
  [12, 'destinationIPv4Address', V4, 'dstAddr'],
  [13, 'destinationIPv4PrefixLength', U, 'dstMask'],
  [14, 'egressInterface', U, 'outputInterface'],
  [15, 'ipNextHopIPv4Address', V4, 'nextHop', 0],
  [16, 'bgpSourceAsNumber', U, 'srcAs'],
  [17, 'bgpDestinationAsNumber', U, 'dstAs'],
  [18, 'bgpNextHopIPv4Address', V4, 'nextHop', 1],
  [19, 'postMCastPacketDeltaCount', U],
  [20, 'postMCastOctetDeltaCount', U],
  [21, 'flowEndSysUpTime', ValueType.Uptime, 'endMs', 3],
  [22, 'flowStartSysUpTime', ValueType.Uptime, 'startMs', 3],
  [23, 'postOctetDeltaCount', U, 'bytes', 2],
  [24, 'postPacketDeltaCount', U, 'packets', 2],
  [25, 'minimumIpTotalLength', U],
  [26, 'maximumIpTotalLength', U],
  [27, 'sourceIPv6Address', V6, 'srcAddr'],
  [28, 'destinationIPv6Address', V6, 'dstAddr'],
  [29, 'sourceIPv6PrefixLength', U, 'srcMask'],
  [30, 'destinationIPv6PrefixLength', U, 'dstMask'],
  [31, 'flowLabelIPv6', U],
  [32, 'icmpTypeCodeIPv4', U, 'icmpTypeCode'],
  [33, 'igmpType', U],
  [34, 'samplingInterval', U, 'samplingInterval', 0],
  [35, 'samplingAlgorithm', U],
  [36, 'flowActiveTimeout', U],
  [37, 'flowIdleTimeout', U],
  [38, 'engineType', U],
  [39, 'engineId', U],
  [40, 'exportedOctetTotalCount', U],
  [41, 'exportedMessageTotalCount', U],
  [42, 'exportedFlowRecordTotalCount', U],
  [44, 'sourceIPv4Prefix', V4],
  [45, 'destinationIPv4Prefix', V4],
  [46, 'mplsTopLabelType', U],
  [47, 'mplsTopLabelIPv4Address', V4],
  [48, 'samplerId', U, 'samplerId', 0],
  [49, 'samplerMode', U],
  [50, 'samplerRandomInterval', U, 'samplingInterval', 1],
  [52, 'minimumTTL', U],
  [53, 'maximumTTL', U],
  [54, 'fragmentIdentification', U],
  [55, 'postIpClassOfService', U],
  [56, 'sourceMacAddress', MAC, 'srcMac'],
  [57, 'postDestinationMacAddress', MAC, 'dstMac', 1],
  [58, 'vlanId', U, 'vlan', 0],
  [59, 'postVlanId', U],
  [60, 'ipVersion', U],
  [61, 'flowDirection', U, 'direction'],
  [62, 'ipNextHopIPv6Address', V6, 'nextHop', 0],
  [63, 'bgpNextHopIPv6Address', V6, 'nextHop', 1],
  [64, 'ipv6ExtensionHeaders', U],
  [70, 'mplsTopLabelStackSection', O],
  [71, 'mplsLabelStackSection2', O],
  [72, 'mplsLabelStackSection3', O],
  [73, 'mplsLabelStackSection4', O],
  [74, 'mplsLabelStackSection5', O],
  [75, 'mplsLabelStackSection6', O],
  [76, 'mplsLabelStackSection7', O],
  [77, 'mplsLabelStackSection8', O],
  [78, 'mplsLabelStackSection9', O],
  [79, 'mplsLabelStackSection10', O],
  [80, 'destinationMacAddress', MAC, 'dstMac', 0],
  [81, 'postSourceMacAddress', MAC],
  [82, 'interfaceName', S],
  [83, 'interfaceDescription', S],
  [84, 'samplerName', S],
  [85, 'octetTotalCount', U, 'bytes', 1],
  [86, 'packetTotalCount', U, 'packets', 1],
  [88, 'fragmentOffset', U],
  [89, 'forwardingStatus', U],
  [90, 'mplsVpnRouteDistinguisher', O],
  [94, 'applicationDescription', S],
  [95, 'applicationId', O],
  [96, 'applicationName', S],
  [98, 'postIpDiffServCodePoint', U],
  [99, 'multicastReplicationFactor', U],
  [128, 'bgpNextAdjacentAsNumber', U],
  [129, 'bgpPrevAdjacentAsNumber', U],
  [130, 'exporterIPv4Address', V4],
  [131, 'exporterIPv6Address', V6],
  [132, 'droppedOctetDeltaCount', U],
  [133, 'droppedPacketDeltaCount', U],
  [134, 'droppedOctetTotalCount', U],
  [135, 'droppedPacketTotalCount', U],
  [136, 'flowEndReason', U],
  [137, 'commonPropertiesId', U],
  [138, 'observationPointId', U],
  [139, 'icmpTypeCodeIPv6', U, 'icmpTypeCode'],
  [140, 'mplsTopLabelIPv6Address', V6],
  [141, 'lineCardId', U],
  [142, 'portId', U],
  [143, 'meteringProcessId', U],
  [144, 'exportingProcessId', U],
  [145, 'templateId', U],
  [146, 'wlanChannelId', U],
  [147, 'wlanSSID', S],
  [148, 'flowId', U],
  [149, 'observationDomainId', U],
  [150, 'flowStartSeconds', ValueType.Seconds, 'startMs', 2],
  [151, 'flowEndSeconds', ValueType.Seconds, 'endMs', 2],
  [152, 'flowStartMilliseconds', ValueType.Millis, 'startMs', 0],
  [153, 'flowEndMilliseconds', ValueType.Millis, 'endMs', 0],
  [154, 'flowStartMicroseconds', ValueType.Ntp, 'startMs', 0],
  [155, 'flowEndMicroseconds', ValueType.Ntp, 'endMs', 0],
  [156, 'flowStartNanoseconds', ValueType.Ntp, 'startMs', 0],
  [157, 'flowEndNanoseconds', ValueType.Ntp, 'endMs', 0],
  [158, 'flowStartDeltaMicroseconds', ValueType.DeltaMicros, 'startMs', 1],
  [159, 'flowEndDeltaMicroseconds', ValueType.DeltaMicros, 'endMs', 1],
  [160, 'systemInitTimeMilliseconds', ValueType.Millis],
  [161, 'flowDurationMilliseconds', U],
  [162, 'flowDurationMicroseconds', U],
  [163, 'observedFlowTotalCount', U],
  [164, 'ignoredPacketTotalCount', U],
  [165, 'ignoredOctetTotalCount', U],
  [166, 'notSentFlowTotalCount', U],
  [167, 'notSentPacketTotalCount', U],
  [168, 'notSentOctetTotalCount', U],
  [176, 'icmpTypeIPv4', U, 'icmpType'],
  [177, 'icmpCodeIPv4', U, 'icmpCode'],
  [178, 'icmpTypeIPv6', U, 'icmpType'],
  [179, 'icmpCodeIPv6', U, 'icmpCode'],
  [180, 'udpSourcePort', U, 'srcPort'],
  [181, 'udpDestinationPort', U, 'dstPort'],
  [182, 'tcpSourcePort', U, 'srcPort'],
  [183, 'tcpDestinationPort', U, 'dstPort'],
  [184, 'tcpSequenceNumber', U],
  [185, 'tcpAcknowledgementNumber', U],
  [186, 'tcpWindowSize', U],
  [192, 'ipTTL', U],
  [195, 'ipDiffServCodePoint', U],
  [197, 'fragmentFlags', U],
  [198, 'octetDeltaSumOfSquares', U],
  [201, 'mplsLabelStackLength', U],
  [205, 'udpMessageLength', U],
  [206, 'isMulticast', U],
  [210, 'paddingOctets', O],
  [224, 'ipTotalLength', U],
  [225, 'postNATSourceIPv4Address', V4],
  [226, 'postNATDestinationIPv4Address', V4],
  [227, 'postNAPTSourceTransportPort', U],
  [228, 'postNAPTDestinationTransportPort', U],
  [230, 'natEvent', U],
  [231, 'initiatorOctets', U],
  [232, 'responderOctets', U],
  [233, 'firewallEvent', U],
  [234, 'ingressVRFID', U],
  [235, 'egressVRFID', U],
  [236, 'VRFname', S],
  [239, 'biflowDirection', U],
  [243, 'dot1qVlanId', U, 'vlan', 1],
  [244, 'dot1qPriority', U],
  [245, 'dot1qCustomerVlanId', U],
  [252, 'ingressPhysicalInterface', U],
  [253, 'egressPhysicalInterface', U],
  [256, 'ethernetType', U],
  [276, 'dataRecordsReliability', ValueType.Boolean],
  [281, 'postNATSourceIPv6Address', V6],
  [282, 'postNATDestinationIPv6Address', V6],
  [298, 'initiatorPackets', U],
  [299, 'responderPackets', U],
  [302, 'selectorId', U, 'samplerId', 1],
  [304, 'selectorAlgorithm', U],
  [305, 'samplingPacketInterval', U, 'samplingInterval', 2],
  [306, 'samplingPacketSpace', U],
  [309, 'samplingSize', U],
  [310, 'samplingPopulation', U],
  [312, 'dataLinkFrameSize', U],
  [315, 'dataLinkFrameSection', O],
  [322, 'observationTimeSeconds', ValueType.Seconds],
  [323, 'observationTimeMilliseconds', ValueType.Millis],
  [324, 'observationTimeMicroseconds', ValueType.Ntp],
  [325, 'observationTimeNanoseconds', ValueType.Ntp],
  [335, 'selectorName', S],
  [352, 'layer2OctetDeltaCount', U],
  [365, 'staMacAddress', MAC],
  [366, 'staIPv4Address', V4],
  [367, 'wtpMacAddress', MAC],
  [368, 'ingressInterfaceType', U],
  [369, 'egressInterfaceType', U],
  [458, 'sourceTransportPortsLimit', U],
];

/** IANA elements by id (enterprise bit clear). */
export const IANA_ELEMENTS: ReadonlyMap<number, ElementDef> = new Map(
  ROWS.map(([id, name, type, target, rank]) => [id, { id, name, type, target, rank }]),
);

/**
 * NetFlow v9 vendor ids (>= 32768, Cisco ASA NSEL) that have an IANA equivalent or are common enough
 * to name. IPFIX never sees these ids (its high bit is the enterprise flag).
 */
export const V9_VENDOR_ELEMENTS: ReadonlyMap<number, ElementDef> = new Map(
  ([
    [33000, 'ingressAclId', O],
    [33001, 'egressAclId', O],
    [33002, 'firewallExtendedEvent', U],
    [40000, 'aaaUsername', S],
    [40001, 'postNATSourceIPv4Address', V4],
    [40002, 'postNATDestinationIPv4Address', V4],
    [40003, 'postNAPTSourceTransportPort', U],
    [40004, 'postNAPTDestinationTransportPort', U],
    [40005, 'firewallEvent', U],
  ] as Row[]).map(([id, name, type, target, rank]) => [id, { id, name, type, target, rank }]),
);

/** RFC 5103 reverse-direction elements: private enterprise 29305, same id and type as the forward element. */
export const REVERSE_PEN = 29305;
const REVERSE_TARGETS: ReadonlyMap<number, [RecordTarget, number]> = new Map([
  [1, ['reverseBytes', 0]], [85, ['reverseBytes', 1]], [2, ['reversePackets', 0]], [86, ['reversePackets', 1]],
]);
export const REVERSE_ELEMENTS: ReadonlyMap<number, ElementDef> = new Map(
  [...IANA_ELEMENTS.values()].map((d) => {
    const t = REVERSE_TARGETS.get(d.id);
    const name = `reverse${d.name[0]!.toUpperCase()}${d.name.slice(1)}`;
    return [d.id, { id: d.id, name, type: d.type, target: t?.[0], rank: t?.[1] }];
  }),
);

/** NetFlow v9 options scope field types (RFC 3954 §6.1) are not element ids: their own small table. */
export const V9_SCOPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'system'],
  [2, 'interface'],
  [3, 'lineCard'],
  [4, 'cache'],
  [5, 'template'],
]);

/** Name for an element the table does not know: stable, and distinguishes enterprise elements. */
export function unknownElementName(id: number, enterprise: number): string {
  return enterprise === 0 ? `ie${id}` : `e${enterprise}.ie${id}`;
}
