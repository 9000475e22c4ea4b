import { parseArgs } from 'node:util';
import { signToken, ROLES, type Role } from '../shared/auth.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import { Joi } from '../shared/validation.ts';
import { DATA_DIR, devSecrets } from './local-stack/dev-secrets.ts';

/** Prints a development JWT signed with AUTH_JWT_SECRET, or the local stack's secret under .data/. */
if (isEntryPoint(import.meta.url)) {
  runProcess('token', async () => {
    const { values } = parseArgs({
      options: {
        role: { type: 'string', default: 'client' },
        sub: { type: 'string', default: 'alice' },
        email: { type: 'string' },
        'professional-id': { type: 'string' },
        expires: { type: 'string', default: '30d' },
      },
    });
    const { value: env, error } = Joi.object({ AUTH_JWT_SECRET: Joi.string().min(32) })
      .unknown(true)
      .validate(process.env);
    if (error) throw new Error(error.message);
    if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    const secret: string = env.AUTH_JWT_SECRET ?? devSecrets(DATA_DIR).jwtSecret;
    const token = await signToken(
      secret,
      {
        sub: values.sub,
        role: values.role as Role,
        ...(values.email ? { email: values.email } : {}),
        ...(values['professional-id'] ? { professional_id: values['professional-id'] } : {}),
      },
      values.expires,
    );
    process.stdout.write(`${token}\n`);
  });
}
