import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';

/** Opts a route out of the global bearer-token guard (auth routes, probes, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
