import request from 'supertest';
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { TestSystem } from './system.ts';

let counter = 0;

export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${randomBytes(3).toString('hex')}`;
}

export interface ProfessionalInput {
  id?: string;
  name?: string;
  category?: string;
  rate_per_minute?: number;
  currency?: string;
  lat?: number;
  long?: number;
  travel_modes?: string[];
  time_zone?: string;
}

/** An hour-aligned instant `hours` from now, so windows and slots are easy to reason about. */
export function hoursFromNow(hours: number): Date {
  const d = new Date(Date.now() + hours * 3_600_000);
  d.setUTCMinutes(0, 0, 0);
  return d;
}

export function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * 60_000);
}

/** Creates a professional through the API (as admin) with one availability window. */
export async function givenProfessional(
  system: TestSystem,
  input: ProfessionalInput = {},
  window: { start: Date; end: Date } = { start: hoursFromNow(48), end: hoursFromNow(56) },
): Promise<{ id: string; window: { start: Date; end: Date; id: string } }> {
  const app = system.command!.app;
  const admin = await system.token('admin', 'admin-1');
  const body = {
    id: input.id ?? uniqueId('pro'),
    name: input.name ?? 'Ama Mensah',
    category: input.category ?? 'plumber',
    rate_per_minute: input.rate_per_minute ?? 150,
    currency: input.currency ?? 'GHS',
    lat: input.lat ?? 5.6037,
    long: input.long ?? -0.187,
    travel_modes: input.travel_modes ?? ['car', 'walking'],
    time_zone: input.time_zone ?? 'Africa/Accra',
  };
  const created = await request(app).post('/professionals').set('Authorization', `Bearer ${admin}`).send(body);
  if (created.status !== 201) throw new Error(`professional not created: ${created.status} ${JSON.stringify(created.body)}`);
  const w = await request(app)
    .post(`/professionals/${body.id}/availabilities`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ start_time: window.start.toISOString(), end_time: window.end.toISOString() });
  if (w.status !== 201) throw new Error(`window not created: ${w.status} ${JSON.stringify(w.body)}`);
  return { id: body.id, window: { ...window, id: w.body.id } };
}

export async function book(
  app: Express,
  token: string,
  body: { professional_id: string; start_time: string; duration_minutes: number } | Record<string, unknown>,
  key: string = uniqueId('key'),
) {
  return request(app).post('/bookings').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);
}

/** Polls until `check` returns a truthy value or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
