import { Injectable, UseFilters } from '@nestjs/common';
import { OnGatewayInit } from '@nestjs/websockets';
import type { WebSocketServer } from 'ws';
import { WsExceptionFilter } from '../common/errors';
import { EndpointSpec } from './endpoint';
import { RealtimeServer } from './realtime.server';

/**
 * Base of the three gateways: each is a Nest entry point (path, lifecycle, DI) that hands its
 * ws server to the realtime core, which handles the frames. Subclasses name their endpoint.
 */
@Injectable()
@UseFilters(WsExceptionFilter)
export abstract class EndpointGateway implements OnGatewayInit<WebSocketServer> {
  protected abstract readonly endpoint: EndpointSpec;

  constructor(private readonly realtime: RealtimeServer) {}

  afterInit(server: WebSocketServer): void {
    this.realtime.attach(server, this.endpoint);
  }
}
