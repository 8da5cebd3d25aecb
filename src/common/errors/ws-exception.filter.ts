import { ArgumentsHost, Catch, Logger, WsExceptionFilter as NestWsExceptionFilter } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { DashboardError } from './dashboard-error';
import { DashboardErrorType } from './dashboard-error-type';
import { errorBodyOf } from './error-body';
import { isServerFault } from './error-status';
import { toDashboardError } from './to-dashboard-error';

/** What a WebSocket client receives for an error: the contract's `Error` frame. */
export interface ErrorFrame {
  type: 'Error';
  payload: { error: DashboardErrorType; message: string };
}

export function errorFrameOf(exception: unknown): ErrorFrame {
  const error =
    exception instanceof WsException
      ? new DashboardError(DashboardErrorType.MessageParseError, String(exception.message))
      : toDashboardError(exception);
  const body = errorBodyOf(error);
  return { type: 'Error', payload: { error: error.type, message: body.message } };
}

/** A socket of the realtime core encodes frames itself (JSON or MessagePack); a bare one gets JSON. */
interface FrameSink {
  sendFrame?(frame: ErrorFrame): void;
  send(data: string): void;
}

/**
 * Bound on each gateway (global filters do not apply to gateways). Sends an Error frame on the
 * socket that caused the error; the socket stays open.
 */
@Catch()
export class WsExceptionFilter implements NestWsExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const frame = errorFrameOf(exception);
    if (isServerFault(frame.payload.error)) {
      this.logger.error({ err: exception }, `WebSocket handler failed: ${frame.payload.error}`);
    }
    const client = host.switchToWs().getClient<FrameSink>();
    try {
      if (typeof client.sendFrame === 'function') client.sendFrame(frame);
      else client.send(JSON.stringify(frame));
    } catch (sendError) {
      this.logger.warn({ err: sendError }, 'Could not deliver an Error frame');
    }
  }
}
