/** OpenAPI 3.1 description of the command API; kept beside the routes it describes. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Booking marketplace — command API', version: '0.1.0' },
  paths: {},
};
