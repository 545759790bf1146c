// `npm run graph`: the GraphQL service alone, configured from the environment.
import { ConfigError, loadConfig } from './config';
import { createGraph } from './graph';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const graph = await createGraph(config);
  await graph.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await graph.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
