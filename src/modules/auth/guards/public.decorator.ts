import { applyDecorators, SetMetadata } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';

export const IS_PUBLIC = 'auth:isPublic';

/**
 * Documents a route as needing no credentials (`security: []` in the OpenAPI document), unless
 * it declares a scheme of its own (as /metrics does with METRICS_TOKEN).
 */
const DocumentedAsPublic: ClassDecorator & MethodDecorator = (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
  const on = (descriptor?.value as object | undefined) ?? target;
  if (Reflect.getMetadata(DECORATORS.API_SECURITY, on) === undefined) Reflect.defineMetadata(DECORATORS.API_SECURITY, [], on);
};

/** Opts a route out of the global bearer-token guard (auth routes, probes, metrics), and says so in the OpenAPI document. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), DocumentedAsPublic);
