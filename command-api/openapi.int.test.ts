import { expect } from 'chai';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { book, givenProfessional, hoursFromNow, uniqueId } from '../scripts/testing/builders.ts';
import { openApiDocument } from './openapi.ts';
import { schemaChecker } from '../scripts/testing/openapi-conformance.ts';
import { signPayload } from '../scripts/stand-ins/stripe-stand-in.ts';

type Json = Record<string, unknown>;

const DUMMY_PATH_VALUES: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  availabilityId: '00000000-0000-4000-8000-000000000001',
  deliveryId: '00000000-0000-4000-8000-000000000002',
};

const check = schemaChecker(openApiDocument);

describe('OpenAPI document of the command API', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ command: true });
  });
  after(async () => {
    await system.close();
  });

  const app = () => system.command!.app;
  const operations = () =>
    Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method: method as 'get' | 'post' | 'patch' | 'delete', op: op })),
    );

  it('is served at GET /openapi.json as OpenAPI 3.1.0', async () => {
    const res = await request(app()).get('/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(res.body).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(openApiDocument as unknown as Json);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).to.equal(undefined);
    expect(result.valid).to.equal(true);
  });

  it('documents the endpoints, the security scheme and the shared components', () => {
    const routes = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(routes).to.include.members([
      'POST /bookings',
      'GET /bookings/{id}',
      'POST /bookings/{id}/cancel',
      'POST /professionals',
      'PATCH /professionals/{id}',
      'POST /professionals/{id}/availabilities',
      'DELETE /professionals/{id}/availabilities/{availabilityId}',
      'POST /webhooks/stripe',
      'POST /webhook-endpoints',
      'GET /webhook-endpoints',
      'GET /webhook-endpoints/{id}',
      'PATCH /webhook-endpoints/{id}',
      'DELETE /webhook-endpoints/{id}',
      'POST /webhook-endpoints/{id}/rotate-secret',
      'GET /webhook-endpoints/{id}/deliveries',
      'POST /webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /openapi.json',
    ]);
    const components = openApiDocument.components as { securitySchemes: Json; schemas: Json; parameters: Record<string, Json> };
    expect(components.securitySchemes.bearerAuth).to.deep.include({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(components.schemas).to.include.keys(
      'Booking',
      'Price',
      'Payment',
      'Refund',
      'Professional',
      'ProfessionalCreate',
      'ProfessionalPatch',
      'Availability',
      'AvailabilityCreate',
      'BookingCreate',
      'Problem',
    );
    expect(components.parameters.IdempotencyKey).to.deep.include({ name: 'Idempotency-Key', in: 'header', required: true });
  });

  it('documents the booking error codes with the statuses the code answers', () => {
    const responses = openApiDocument.paths['/bookings']!.post!.responses;
    const codesOf = (status: string) => Object.keys(((responses[status]!.content as Json)['application/problem+json'] as { examples: Json }).examples);
    expect(codesOf('400')).to.include.members(['validation_error', 'idempotency_key_missing', 'invalid_json']);
    expect(codesOf('404')).to.include.members(['professional_not_found']);
    expect(codesOf('409')).to.include.members(['slot_taken', 'idempotency_key_in_use']);
    expect(codesOf('422')).to.include.members(['outside_availability', 'start_in_past', 'idempotency_key_reused']);
    expect(codesOf('429')).to.include.members(['rate_limited']);
    expect(codesOf('502')).to.include.members(['payment_provider_error']);
    expect(responses['201']!.headers).to.have.property('Idempotent-Replayed');
    const webhook = openApiDocument.paths['/webhooks/stripe']!.post!.responses;
    expect(Object.keys(((webhook['400']!.content as Json)['application/problem+json'] as { examples: Json }).examples)).to.have.members([
      'invalid_signature',
      'invalid_payload',
      'validation_error',
      'invalid_body',
    ]);
  });

  it('gives every problem example the status of the response it sits under', () => {
    for (const { method, path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const media = (response.content as Record<string, { examples?: Record<string, { value: { status: number; code: string } }> }> | undefined)?.[
          'application/problem+json'
        ];
        for (const [code, example] of Object.entries(media?.examples ?? {})) {
          expect(example.value.status, `${method} ${path} ${status} ${code}`).to.equal(Number(status));
          expect(example.value.code).to.equal(code);
        }
      }
    }
  });

  it('describes only routes the app really serves, answering statuses it documents', async () => {
    for (const { method, path, op } of operations()) {
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => DUMMY_PATH_VALUES[name] ?? 'dummy');
      const res = await request(app())
        [method](url)
        .set('Content-Type', 'application/json')
        .send(method === 'get' || method === 'delete' ? undefined : '{}');
      const routeMiss = res.status === 404 && res.body?.code === 'not_found' && String(res.body?.detail).startsWith('No route for');
      expect(routeMiss, `${method.toUpperCase()} ${path} is not routed`).to.equal(false);
      expect(Object.keys(op.responses), `${method.toUpperCase()} ${path} answered an undocumented ${res.status}`).to.include(String(res.status));
    }
  });

  it('serves Swagger UI at /api/', async () => {
    const res = await request(app()).get('/api/');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.match(/swagger-ui/i);
    const bare = await request(app()).get('/api');
    expect(bare.status).to.be.within(300, 399);
    expect(bare.headers.location).to.equal('/api/');
  });

  it('generates its request and response schemas from the joi schemas, with the input rules of the code', () => {
    const components = openApiDocument.components as { schemas: Record<string, { properties: Record<string, Json> }> };
    const create = components.schemas.ProfessionalCreate!.properties;
    expect(create.time_zone!.pattern).to.be.a('string');
    expect(String(create.time_zone!.description)).to.match(/Europe\/Kyiv/);
    expect(create.name!.pattern, 'control characters refused').to.equal('^[^\\u0000-\\u001F\\u007F]*$');
    const start = components.schemas.BookingCreate!.properties.start_time!;
    expect(start).to.deep.include({ format: 'date-time' });
    expect(String(start.description)).to.match(/0000 and 9999/);
    expect(components.schemas.BookingCancel!.properties.reason!.pattern, 'free text keeps line breaks').to.not.match(/000A/);
  });

  it('matches real responses: booking, professional, availability, webhook, health and problems', async () => {
    const admin = await system.token('admin', 'admin-openapi');
    const pro = await givenProfessional(system, { id: uniqueId('oas') });
    const schemaOf = (path: string, method: 'get' | 'post' | 'patch', status: string) =>
      ((openApiDocument.paths[path]![method]!.responses[status]!.content as Json)['application/json'] as { schema: Json }).schema;
    const problemOf = (path: string, method: 'get' | 'post' | 'patch', status: string) =>
      ((openApiDocument.paths[path]![method]!.responses[status]!.content as Json)['application/problem+json'] as { schema: Json }).schema;

    const createdPro = await request(app())
      .post('/professionals')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        name: 'Olena',
        category: 'Tutor',
        rate_per_minute: 40,
        currency: 'uah',
        lat: 50.45,
        long: 30.52,
        travel_modes: ['transit'],
        time_zone: 'Europe/Kyiv',
      });
    expect(createdPro.status).to.equal(201);
    check(createdPro.body, schemaOf('/professionals', 'post', '201'), 'Professional (created)');

    const refused = await request(app()).post('/professionals').set('Authorization', `Bearer ${admin}`).send({ name: 'x\u0000' });
    expect(refused.status).to.equal(400);
    check(refused.body, problemOf('/professionals', 'post', '400'), 'Problem 400');
    const wrongType = await request(app()).post('/professionals').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'text/plain').send('{}');
    expect(wrongType.status).to.equal(415);
    check(wrongType.body, problemOf('/professionals', 'post', '415'), 'Problem 415');

    const payload = JSON.stringify({ id: uniqueId('evt'), type: 'customer.created', data: { object: {} } });
    const ack = await request(app())
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signPayload(payload, system.config.stripe.webhookSecret))
      .send(payload);
    expect(ack.status).to.equal(200);
    check(ack.body, schemaOf('/webhooks/stripe', 'post', '200'), 'WebhookAck');

    check((await request(app()).get('/health/live')).body, schemaOf('/health/live', 'get', '200'), 'HealthLive');
    check((await request(app()).get('/health/ready')).body, schemaOf('/health/ready', 'get', '200'), 'HealthReady');

    const patched = await request(app()).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ rate_per_minute: 160 });
    expect(patched.status).to.equal(200);
    check(patched.body, schemaOf('/professionals/{id}', 'patch', '200'), 'Professional');

    const window = await request(app())
      .post(`/professionals/${pro.id}/availabilities`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ start_time: hoursFromNow(72).toISOString(), end_time: hoursFromNow(74).toISOString() });
    expect(window.status).to.equal(201);
    check(window.body, schemaOf('/professionals/{id}/availabilities', 'post', '201'), 'Availability');

    const client = await system.token('client', uniqueId('client'), { email: 'client@example.com' });
    const key = uniqueId('key');
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 };
    const created = await book(app(), client, body, key);
    expect(created.status).to.equal(201);
    check(created.body, schemaOf('/bookings', 'post', '201'), 'Booking');
    expect(created.body.payment).to.have.property('client_secret');

    const replay = await book(app(), client, body, key);
    expect(replay.headers['idempotent-replayed']).to.equal('true');

    const read = await request(app()).get(`/bookings/${created.body.id}`).set('Authorization', `Bearer ${client}`);
    check(read.body, schemaOf('/bookings/{id}', 'get', '200'), 'Booking');

    const cancelled = await request(app()).post(`/bookings/${created.body.id}/cancel`).set('Authorization', `Bearer ${client}`).send({ reason: 'test' });
    expect(cancelled.status).to.equal(200);
    check(cancelled.body, schemaOf('/bookings/{id}/cancel', 'post', '200'), 'Booking');

    const endpoint = await request(app())
      .post('/webhook-endpoints')
      .set('Authorization', `Bearer ${admin}`)
      .send({ url: 'https://203.0.114.7/hooks', events: ['booking.created'] });
    expect(endpoint.status).to.equal(201);
    check(endpoint.body, schemaOf('/webhook-endpoints', 'post', '201'), 'WebhookEndpoint');
    const listed = await request(app()).get('/webhook-endpoints').set('Authorization', `Bearer ${admin}`);
    check(listed.body, schemaOf('/webhook-endpoints', 'get', '200'), 'WebhookEndpointList');
    await book(app(), client, { ...body, start_time: new Date(pro.window.start.getTime() + 3_600_000).toISOString() });
    const log = await request(app()).get(`/webhook-endpoints/${endpoint.body.id}/deliveries`).set('Authorization', `Bearer ${admin}`);
    expect(log.body.data).to.have.length(1);
    check(log.body, schemaOf('/webhook-endpoints/{id}/deliveries', 'get', '200'), 'WebhookDeliveryPage');
    expect(Object.keys(openApiDocument.webhooks)).to.have.members([
      'booking.created',
      'booking.confirmed',
      'booking.rescheduled',
      'booking.cancelled',
      'booking.expired',
      'booking.refunded',
      'professional.updated',
    ]);

    const past = await book(app(), client, { ...body, start_time: hoursFromNow(-1).toISOString() });
    expect(past.status).to.equal(422);
    expect(past.headers['content-type']).to.match(/^application\/problem\+json/);
    check(past.body, { $ref: '#/components/schemas/Problem' }, 'Problem');
  });
});
