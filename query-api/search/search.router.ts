import { Router } from 'express';
import type { QueryDeps } from '../deps.ts';
import { getProfessionalRoute } from './get-professional.route.ts';
import { searchProfessionalsRoute } from './search-professionals.route.ts';

export function searchRouter(deps: QueryDeps): Router {
  const router = Router();
  router.get('/search/professionals', searchProfessionalsRoute(deps));
  router.get('/search/professionals/:id', getProfessionalRoute(deps));
  return router;
}
