import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';

describe('professional time zones', () => {
  let system: TestSystem;
  let admin: string;
  before(async () => {
    system = await startTestSystem({ command: true });
    admin = await system.token('admin', 'admin-tz');
  });
  after(() => system.close());

  const create = (time_zone: string) =>
    request(system.command!.app)
      .post('/professionals')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        id: uniqueId('tz'),
        name: 'Olena',
        category: 'tutor',
        rate_per_minute: 50,
        currency: 'UAH',
        lat: 50.45,
        long: 30.52,
        travel_modes: ['transit'],
        time_zone,
      });

  for (const zone of ['UTC', 'Europe/Kyiv', 'Europe/Kiev', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Argentina/Buenos_Aires']) {
    it(`accepts the IANA name ${zone} and keeps it as given`, async () => {
      const res = await create(zone);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.time_zone).to.equal(zone);
    });
  }

  for (const zone of ['+05:30', 'utc', 'GMT+5', 'europe/kyiv', 'Europe/Atlantis', 'Z']) {
    it(`answers 400 validation_error on time_zone for ${zone}, on creation and on change`, async () => {
      const created = await create(zone);
      expect(created.status).to.equal(400);
      expect(created.body.code).to.equal('validation_error');
      expect(created.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['time_zone']);
      const pro = await givenProfessional(system);
      const patched = await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ time_zone: zone });
      expect(patched.status).to.equal(400);
      expect(patched.body.errors[0].field).to.equal('time_zone');
    });
  }
});
