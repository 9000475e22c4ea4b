import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { expireHold, sweepLapsedHolds } from './expire-holds.ts';

describe('hold expiry', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true, env: { HOLD_MINUTES: '0.05' } });
    db = testPool(system.databaseUrl, 2);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  async function hold() {
    const pro = await givenProfessional(system);
    const client = uniqueId('c');
    const res = await book(system.command!.app, await system.token('client', client, { email: `${client}@example.com` }), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 60,
    });
    expect(res.status).to.equal(201);
    return { pro, booking: res.body };
  }
  const statusOf = async (id: string) => (await db.query(`SELECT status FROM bookings WHERE id = $1`, [id])).rows[0].status;

  it('expires an unpaid hold at hold_expires_at through its job: cancels the PaymentIntent and frees the slot', async () => {
    const { pro, booking } = await hold();
    expect(new Date(booking.hold_expires_at).getTime() - Date.now()).to.be.within(1000, 3000);
    expect(await statusOf(booking.id)).to.equal('pending');
    await eventually(async () => (await statusOf(booking.id)) === 'expired', 20_000, 200);
    await eventually(async () => system.stripe.paymentIntent(booking.payment.payment_intent_id)!.status === 'canceled', 10_000);
    const again = await book(system.command!.app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: booking.start_time,
      duration_minutes: 60,
    });
    expect(again.status).to.equal(201);
  });

  it('sweeps every lapsed hold even when its job is missing, and leaves live holds alone', async () => {
    const lapsed = await hold();
    const live = await hold();
    await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 minute' WHERE id = $1`, [lapsed.booking.id]);
    await db.query(`UPDATE bookings SET hold_expires_at = now() + interval '1 hour' WHERE id = $1`, [live.booking.id]);
    await sweepLapsedHolds(system.command!.deps);
    expect(await statusOf(lapsed.booking.id)).to.equal('expired');
    expect(await statusOf(live.booking.id)).to.equal('pending');
  });

  it('never expires a booking that was confirmed meanwhile', async () => {
    const { booking } = await hold();
    await db.query(`UPDATE bookings SET status = 'confirmed', hold_expires_at = now() - interval '1 minute' WHERE id = $1`, [booking.id]);
    await sweepLapsedHolds(system.command!.deps);
    expect(await statusOf(booking.id)).to.equal('confirmed');
  });

  it('confirms a hold whose payment succeeded but whose webhook never arrived, instead of expiring it', async () => {
    const { booking } = await hold();
    const intentId = booking.payment.payment_intent_id;
    const event = await system.stripe.succeed(intentId, { deliver: false });
    await eventually(async () => (await statusOf(booking.id)) !== 'pending', 20_000, 200);
    expect(await statusOf(booking.id)).to.equal('confirmed');
    expect(system.stripe.paymentIntent(intentId)!.status).to.equal('succeeded');
    expect(system.stripe.deliveries().filter((d) => d.eventId === event.id)).to.have.length(0);
    const events = (await db.query(`SELECT id, processed_at FROM stripe_events WHERE id = $1`, [`reconciled_${intentId}`])).rows;
    expect(events).to.have.length(1);
    expect(events[0].processed_at).to.be.instanceOf(Date);
    await eventually(
      async () => (await db.query(`SELECT confirmation_email_sent_at FROM bookings WHERE id = $1`, [booking.id])).rows[0].confirmation_email_sent_at,
    );
    expect(system.mail.messages().filter((m) => m.messageId?.includes(booking.id))).to.have.length(1);
  });

  it('refunds a payment found succeeded after its hold expired when the slot has been taken meanwhile', async () => {
    const { pro, booking } = await hold();
    const intentId = booking.payment.payment_intent_id;
    // Expired while Stripe could not be reached to cancel; the slot then went to someone else.
    await db.query(`UPDATE bookings SET status = 'expired', hold_expires_at = now() - interval '1 minute' WHERE id = $1`, [booking.id]);
    const other = await book(system.command!.app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: booking.start_time,
      duration_minutes: 60,
    });
    expect(other.status).to.equal(201);
    await system.stripe.succeed(intentId, { deliver: false });

    expect(await expireHold(system.command!.deps, booking.id)).to.equal('expired'); // the job's retry
    const row = (await db.query(`SELECT status, refund_id, refund_status FROM bookings WHERE id = $1`, [booking.id])).rows[0];
    expect(row.status).to.equal('expired');
    expect(row.refund_id).to.match(/^re_/);
    expect(await expireHold(system.command!.deps, booking.id)).to.equal('expired'); // once more: no second refund
    expect(system.stripe.refunds().filter((r) => r.payment_intent === intentId)).to.have.length(1);
  });
});
