// The control API's errors: an HTTP status and a reason, answered as `{ "error": "…" }`.

import { PeregrineError } from '../../errors.ts';

export class ApiError extends PeregrineError {
  readonly status: number;
  constructor(status: number, message: string, zone?: string) {
    super('PGN_ERR_API', message, zone === undefined ? {} : { zone });
    this.status = status;
  }
}

export const badRequest = (message: string, zone?: string) => new ApiError(400, message, zone);
export const notFound = (message: string, zone?: string) => new ApiError(404, message, zone);
export const conflict = (message: string, zone?: string) => new ApiError(409, message, zone);
