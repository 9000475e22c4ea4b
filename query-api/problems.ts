import type { Response } from 'express';
import { problem, sendProblem, type Failure } from '../shared/errors.ts';

/** The one table that turns a query use case's expected failure into an HTTP answer. */
const PROBLEMS: Record<string, { status: number; detail?: string; headers?: Record<string, string> }> = {
  validation_error: { status: 400 },
  professional_not_found: { status: 404, detail: 'No active professional has this id.' },
  search_unavailable: { status: 503, detail: 'Search is temporarily unavailable; try again shortly.', headers: { 'Retry-After': '2' } },
};

export function sendFailure(res: Response, failure: Failure): void {
  const p = PROBLEMS[failure.code] ?? { status: 500 };
  sendProblem(res, { ...problem(p.status, failure.code, failure.detail ?? p.detail, failure.errors), ...(p.headers ? { headers: p.headers } : {}) });
}
