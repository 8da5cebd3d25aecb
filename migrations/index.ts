import { InitialSchema1764410000000 } from './1764410000000-initial-schema';
import { NodeSessionId1764420000000 } from './1764420000000-node-session-id';
import { Notifications1765300000000 } from './1765300000000-notifications';
import { NodePointsToday1765400000000 } from './1765400000000-node-points-today';
import { WalletChallenges1765500000000 } from './1765500000000-wallet-challenges';
import { Settlement1765500000001 } from './1765500000001-settlement';
import { LedgerFillfactor1766000000000 } from './1766000000000-ledger-fillfactor';
import { NodePointsTodayInFlush1766100000000 } from './1766100000000-node-points-today-in-flush';
import { EntityFillfactor1766100000001 } from './1766100000001-entity-fillfactor';
import { WebhookSecretSealed1766300000000 } from './1766300000000-webhook-secret-sealed';
import { EarningsOneUserTimeIndex1766400000000 } from './1766400000000-earnings-one-user-time-index';

/** Every migration, in order. Listed explicitly so the same array works from ts (tests) and js (dist). */
export const MIGRATIONS = [
  InitialSchema1764410000000,
  NodeSessionId1764420000000,
  Notifications1765300000000,
  NodePointsToday1765400000000,
  WalletChallenges1765500000000,
  Settlement1765500000001,
  LedgerFillfactor1766000000000,
  NodePointsTodayInFlush1766100000000,
  EntityFillfactor1766100000001,
  WebhookSecretSealed1766300000000,
  EarningsOneUserTimeIndex1766400000000,
];
