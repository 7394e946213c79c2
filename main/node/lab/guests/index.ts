// Real QEMU guests in the lab: the QMP client, the launcher (start/stop/status on a lab host), live migration
// over the lab's links, and the stop-everything call `lab down` uses.
export { QmpClient } from './qmp.js';
export type { QmpConnectOptions, QmpErrorDetail, QmpEvent, QmpGreeting, QmpVersion } from './qmp.js';
export { guestPrograms, LabGuests, preflightGuests, processFigures, rootPidOf } from './launcher.js';
export type { GuestState, GuestStatus, StartOptions } from './launcher.js';
export { liveMigrate, maxDowntimeLimitMs, migrationPorts, unlimitedBandwidth, xbzrleCacheSize } from './migrate.js';
export type { LiveMigrationRequest, LiveMigrationResult } from './migrate.js';
export type { MigrationEvent, MigrationRamStats } from '../../../common/qemu/migration.js';
export { guestPaths, guestRunDir, readGuestRecords, stopLabGuests } from './registry.js';
export type { GuestPaths, GuestRecord } from './registry.js';
export { diskDriveId, guestSpecSchema, parseGuestSpec, qemuArgv } from './spec.js';
export type { GuestSpec, QemuArgvOptions } from './spec.js';
export { buildPayload, parsePayloadCounters, payloadImage, payloadLoadAddress, payloadOffsets } from './payload.js';
export type { PayloadCounters, PayloadImage, PayloadOptions } from './payload.js';
