export { parseScanReport, type ScanReportData } from './parse-scan-report.js';
export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './limits.js';
export {
  countSeverities,
  type ScanComponent,
  type ScanFormat,
  type ScanReport,
  type ScanSubject,
  type ScanVulnerability,
  type SeverityCounts,
} from './scan-report.js';
export { SEVERITIES, highestSeverity, normaliseSeverity, type Severity } from './severity.js';
