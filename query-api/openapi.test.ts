import { expect } from 'chai';
import { openApiDocument } from './openapi.ts';
import { searchQuerySchema } from './search/search-query.ts';
import { slotsQuerySchema } from './search/professional-slots.route.ts';

describe('query API OpenAPI document', () => {
  it('describes exactly the query parameters the search endpoint accepts, with the required ones marked', () => {
    const described = openApiDocument.paths['/search/professionals'].get.parameters.filter((p) => p.in === 'query');
    const keys = searchQuerySchema.describe().keys as Record<string, { flags?: { presence?: string } }>;
    expect(described.map((p) => p.name)).to.have.members(Object.keys(keys));
    for (const p of described) expect(p.required, p.name).to.equal(keys[p.name]?.flags?.presence === 'required');
  });

  it('describes exactly the query parameters the slots endpoint accepts, all required', () => {
    const described = openApiDocument.paths['/search/professionals/{id}/slots'].get.parameters.filter((p) => p.in === 'query');
    const keys = slotsQuerySchema.describe().keys as Record<string, { flags?: { presence?: string } }>;
    expect(described.map((p) => p.name)).to.have.members(Object.keys(keys));
    for (const p of described) expect(p.required, p.name).to.equal(keys[p.name]?.flags?.presence === 'required');
  });
});
