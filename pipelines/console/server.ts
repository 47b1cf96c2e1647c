// The stewards' console: one Fastify 5 process serving the JSON API under /api (every request and
// response validated by the zod schemas of api-schemas.ts, OpenAPI generated from them at
// /api/openapi.json) and the web UI from pipelines/console/ui/.
//
// Access is decided in one place, the onRequest hook (http.ts): a route is `public` (sign-in,
// OpenAPI) or needs a session; a state-changing method needs the session's CSRF token in
// x-csrf-token; a route's `permission` is checked against roles.ts. The route modules (routes/)
// then only check what depends on the issue (who holds it). No response carries a raw value except
// the reveal, which is never cached.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import type { Logger } from '../runtime/logger.ts';
import type { StewardDesk } from '../runtime/steward-desk.ts';
import { can } from '../stewardship/roles.ts';
import { SESSION_COOKIE, type Session } from './auth/sessions.ts';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './auth/throttle.ts';
import type { ConsoleVault } from './console-vault.ts';
import { accessHook, ApiError, handleError, type RouteContext } from './http.ts';
import { registerAccessLogRoutes } from './routes/access-log.ts';
import { registerIssueRoutes } from './routes/issues.ts';
import { registerRevealRoutes } from './routes/reveal.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerUserRoutes } from './routes/users.ts';

export { ApiError };

export const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

export interface ConsoleOptions {
  readonly sql: SqlClient;
  readonly desk: StewardDesk;
  readonly vault: ConsoleVault;
  readonly logger: Logger;
  /** Secure cookies: always, never, or when the request came over https (`auto`, the default). */
  readonly secureCookies?: boolean | 'auto';
  readonly throttle?: ThrottlePolicy;
  readonly uiDir?: string;
  /** Analysts' dashboards (helper C's registerDashboardRoutes), registered under /api behind dashboards:read. */
  readonly dashboards?: { readonly plugin: FastifyPluginAsync<never>; readonly options: unknown };
  /**
   * Called after every issue change the console made (an action, an assignment, an approval): the
   * outbox relay's cue to mirror it (ClickHouse, the issue topic, corrections upstream) now rather
   * than on its next round. Never awaited by the request; its failures are the relay's to log.
   */
  readonly onIssueChanged?: () => void;
  /** What the admin sees of the configuration: descriptions only, never secrets. */
  readonly configView?: Readonly<Record<string, string>>;
}

export async function createConsoleServer(options: ConsoleOptions): Promise<FastifyInstance> {
  const { sql, desk, vault } = options;
  const throttle = options.throttle ?? DEFAULT_THROTTLE;
  const logger = options.logger.child(
    { component: 'console' },
    // Fastify's request logs carry method, URL and address, never bodies; this is the second line.
    { redact: { paths: ['req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', 'password', '*.password', 'values', '*.values'], censor: '[redacted]' } },
  );
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: 64 * 1024, trustProxy: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Verity stewards console', description: 'Issue queues, audited reveals, access log, users', version: '1.0.0' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.addHook('onRequest', accessHook(sql));
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
    // Nothing of the API is for a cache: masked records, and above all the reveal.
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
  });

  const ctx: RouteContext = {
    sql,
    desk,
    vault,
    throttle,
    configView: options.configView ?? {},
    actorOf: (request: FastifyRequest): Session => request.actor!,
    toActor: (s: Session) => ({ username: s.username, role: s.role }),
    changed: () => {
      try {
        options.onIssueChanged?.();
      } catch {
        // The relay catches up on its next round.
      }
    },
    secure: (request: FastifyRequest): boolean => (options.secureCookies === undefined || options.secureCookies === 'auto' ? request.protocol === 'https' : options.secureCookies),
  };
  registerSessionRoutes(app, ctx);
  registerIssueRoutes(app, ctx);
  registerRevealRoutes(app, ctx);
  registerAccessLogRoutes(app, ctx);
  registerUserRoutes(app, ctx);

  app.get('/api/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true, response: { 200: z.record(z.string(), z.unknown()) } },
    handler: async () => app.swagger() as unknown as Record<string, unknown>,
  });

  if (options.dashboards) {
    const { plugin, options: pluginOptions } = options.dashboards;
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request) => {
        const actor = request.actor;
        if (!actor) throw new ApiError(401, 'unauthorized', 'sign in first');
        if (!can(actor.role, 'dashboards:read')) throw new ApiError(403, 'forbidden', `the ${actor.role} role may not read dashboards`);
      });
      await scope.register(plugin, pluginOptions as never);
    }, { prefix: '/api' });
  }

  const uiDir = options.uiDir ?? UI_DIR;
  if (existsSync(uiDir)) {
    await app.register(fastifyStatic, { root: resolve(uiDir), prefix: '/', index: false, wildcard: true, cacheControl: false, dotfiles: 'ignore' });
    const index = (_: FastifyRequest, reply: FastifyReply) => (existsSync(resolve(uiDir, 'index.html')) ? reply.type('text/html').sendFile('index.html') : reply.type('text/plain').send('Verity console: the UI is not built; the API is under /api'));
    app.get('/', { schema: { hide: true } }, index);
  } else {
    app.get('/', { schema: { hide: true } }, async (_, reply) => reply.type('text/plain').send('Verity console: the API is under /api'));
  }
  return app;
}
