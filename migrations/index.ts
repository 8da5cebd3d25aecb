import { InitialSchema1764410000000 } from './1764410000000-initial-schema';

/** Every migration, in order. Listed explicitly so the same array works from ts (tests) and js (dist). */
export const MIGRATIONS = [InitialSchema1764410000000];
