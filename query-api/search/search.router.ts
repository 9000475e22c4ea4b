import { Router } from 'express';
import type { QueryDeps } from '../deps.ts';
import { getProfessionalRoute } from './get-professional.route.ts';
import { professionalSlotsRoute } from './professional-slots.route.ts';
import { searchProfessionalsRoute, type ParsedSearches } from './search-professionals.route.ts';

export function searchRouter(deps: QueryDeps, parsed: ParsedSearches): Router {
  const router = Router();
  router.get('/search/professionals', searchProfessionalsRoute(deps, parsed));
  router.get('/search/professionals/:id', getProfessionalRoute(deps));
  router.get('/search/professionals/:id/slots', professionalSlotsRoute(deps));
  return router;
}
