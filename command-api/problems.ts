import type { Response } from 'express';
import { problem, problemJson, sendProblem, type Failure, type Problem } from '../shared/errors.ts';

/** The one table that turns a use case's expected failure into an HTTP status. */
const STATUS: Record<string, number> = {
  validation_error: 400,
  idempotency_key_missing: 400,
  forbidden: 403,
  professional_not_found: 404,
  booking_not_found: 404,
  availability_not_found: 404,
  webhook_endpoint_not_found: 404,
  webhook_delivery_not_found: 404,
  webhook_endpoint_disabled: 409,
  webhook_url_not_allowed: 422,
  professional_exists: 409,
  availability_overlap: 409,
  availability_has_bookings: 409,
  slot_taken: 409,
  idempotency_key_in_use: 409,
  booking_not_cancellable: 409,
  booking_not_reschedulable: 409,
  outside_availability: 422,
  start_in_past: 422,
  inside_minimum_notice: 422,
  beyond_booking_horizon: 422,
  off_slot_grid: 422,
  idempotency_key_reused: 422,
  payment_provider_error: 502,
};

const DETAIL: Record<string, string> = {
  professional_not_found: 'No active professional has this id.',
  booking_not_found: 'No booking with this id is visible to you.',
  availability_not_found: 'No availability window with this id belongs to this professional.',
  slot_taken: 'Another booking already holds part of this time.',
  booking_not_reschedulable: 'Only a pending or confirmed booking that has not started can be rescheduled.',
  outside_availability: 'The requested time does not lie inside the professional’s available time (weekly hours, overrides, one-off windows).',
  start_in_past: 'start_time must be in the future.',
  inside_minimum_notice: 'start_time is closer than this professional’s minimum notice.',
  beyond_booking_horizon: 'start_time is further ahead than this professional’s booking horizon.',
  off_slot_grid: 'start_time is not on this professional’s slot grid (local wall-clock time, a multiple of slot_step_minutes).',
  idempotency_key_in_use: 'A request with this Idempotency-Key is still being processed; retry later.',
  idempotency_key_reused: 'This Idempotency-Key was used with a different request.',
  idempotency_key_missing: 'The Idempotency-Key header is required (1–255 printable ASCII characters).',
  payment_provider_error: 'The payment provider could not be reached; nothing was booked.',
  webhook_endpoint_not_found: 'No webhook endpoint with this id is visible to you.',
  webhook_delivery_not_found: 'This webhook endpoint has no delivery with this id.',
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 500;
}

export function failureProblem(failure: Failure): Problem {
  return problem(statusOf(failure.code), failure.code, failure.detail ?? DETAIL[failure.code], failure.errors);
}

export function sendFailure(res: Response, failure: Failure): void {
  sendProblem(res, failureProblem(failure));
}

/** Status and body of a failure, for responses that are stored and replayed (idempotency). */
export function failureResponse(failure: Failure): { status: number; body: object } {
  const p = failureProblem(failure);
  return { status: p.status, body: problemJson(p) };
}
