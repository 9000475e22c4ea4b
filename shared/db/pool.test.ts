import { expect } from 'chai';
import { isConnectionError } from './pool.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  const unavailable: Array<[string, unknown]> = [
    ['the server shutting down (admin_shutdown)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (cannot_connect_now)', pgError('57P03', 'the database system is starting up')],
    ['too many connections', pgError('53300')],
    ['a broken connection (SQLSTATE class 08)', pgError('08006')],
    ['a refused TCP connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', pgError('ECONNRESET')],
    ['a connection lost between queries', new Error('Connection terminated unexpectedly')],
    ['no connection within connectionTimeoutMillis', new Error('timeout exceeded when trying to connect')],
    ['a query without an answer within query_timeout', new Error('Query read timeout')],
  ];
  for (const [name, err] of unavailable) {
    it(`counts ${name} as the database being unavailable`, () => expect(isConnectionError(err)).to.equal(true));
  }

  const notUnavailable: Array<[string, unknown]> = [
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['an exclusion violation (a double booking)', pgError('23P01')],
    ['a syntax error', pgError('42601')],
    ['a serialization failure', pgError('40001')],
    ['a plain error', new Error('boom')],
    ['something that is not an error', 'text'],
    ['nothing', undefined],
  ];
  for (const [name, err] of notUnavailable) {
    it(`does not count ${name} as the database being unavailable`, () => expect(isConnectionError(err)).to.equal(false));
  }
});
