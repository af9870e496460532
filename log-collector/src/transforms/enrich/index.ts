export { loadEnrichment, createEnrichment, enrich, type Enrichment } from './enrich.js';
export { loadAssetInventory, type AssetInfo, type AssetInventory, type OrgUnit } from './assets.js';
export { emptyIocSet, loadIocText, loadIocYaml, inferType, lookupDomain, type Indicator, type IocSet } from './ioc.js';
export { IpPrefixTable, ipv4ToInt, ipv6ToHex } from './ip-table.js';
