/**
 * The shopper simulator (DESIGN.md §1 sandbox/): deterministic shops with known ground truth,
 * for the ground-truth test and the demo.
 */
export { simulateShop, nextOrder, eventIdFor, type SimulateShopOptions } from './simulate';
export { truthForWindow, simulationWindow, type TruthWindow, type WindowTruth } from './truth';
export { serverBatches, pixelEventsOf, deliverPixelEvents, type ServerBatch, type ServerBatchOptions } from './deliver';
export { countedByTikTok, type LegEvent } from './tiktok-truth';
export {
  defaultProfile,
  demoProfiles,
  DEFAULT_RATES,
  VISIT_SOURCES,
  ORDER_KINDS,
  type ShopProfile,
  type ShopRates,
  type ReleaseSpec,
  type ReleaseEffect,
  type VisitSource,
  type OrderKind,
} from './profile';
export { DEVICES, type DeviceProfile, type DeviceKey, type BrowserName, type OsName } from './devices';
export { createRng, mulberry32, hashSeed, type Rng } from './random';
export * from './types';
