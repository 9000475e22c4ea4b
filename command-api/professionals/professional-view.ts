import type { Professional } from './professionals.repository.ts';

/** The public JSON shape of a professional (the API's answers and webhook events). */
export function professionalView(p: Professional) {
  return {
    id: p.id,
    name: p.name,
    category: p.category,
    rate_per_minute: p.ratePerMinute,
    currency: p.currency,
    lat: p.lat,
    long: p.long,
    travel_modes: p.travelModes,
    time_zone: p.timeZone,
    active: p.active,
    cancellation_policy: p.cancellationPolicy.map((t) => ({ hours_before: t.hoursBefore, refund_percent: t.refundPercent })),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
