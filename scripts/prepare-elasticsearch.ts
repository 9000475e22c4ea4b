import { buildElasticsearchLauncher } from './local-stack/elasticsearch.ts';
import { runProcess } from '../shared/process.ts';

/** Downloads the Elasticsearch jars from Maven Central and builds the launcher, ahead of the first start. */
runProcess('prepare-elasticsearch', () => buildElasticsearchLauncher((msg) => process.stdout.write(`${msg}\n`)));
