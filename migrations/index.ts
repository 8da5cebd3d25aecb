import { InitialSchema1764410000000 } from './1764410000000-initial-schema';
import { NodeSessionId1764420000000 } from './1764420000000-node-session-id';
import { Notifications1765300000000 } from './1765300000000-notifications';
import { WalletChallenges1765400000000 } from './1765400000000-wallet-challenges';
import { Settlement1765400000001 } from './1765400000001-settlement';

/** Every migration, in order. Listed explicitly so the same array works from ts (tests) and js (dist). */
export const MIGRATIONS = [InitialSchema1764410000000, NodeSessionId1764420000000, Notifications1765300000000, WalletChallenges1765400000000, Settlement1765400000001];
