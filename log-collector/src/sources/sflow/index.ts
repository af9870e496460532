export { decodeSflowPacket, type SflowDecodeResult } from './decode.js';
export { parseEthernet, parseIp, type ParsedPacket } from './packet-header.js';
