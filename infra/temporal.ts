import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

import { CALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { ensureDevServer } from './temporal-dev-server.js';
import type { DevServer } from './temporal-dev-server.js';

export interface TemporalHandle {
  connection: Connection;
  client: Client;
  namespace: string;
  /** Base URL of the Web UI, when one is known. */
  uiUrl?: string;
  devServer?: DevServer;
  close(): Promise<void>;
}

/**
 * Connects to `TEMPORAL_ADDRESS`, or starts (or reuses) the embedded dev server when it is
 * unset, and makes sure dzvin's search attributes exist in the namespace.
 */
export async function connectTemporal(
  config: Config,
  logger: Logger,
  options: { detachedDevServer: boolean } = { detachedDevServer: true },
): Promise<TemporalHandle> {
  let devServer: DevServer | undefined;
  let address = config.temporal.address;
  let uiUrl = config.temporal.uiUrl;
  if (!address) {
    devServer = await ensureDevServer({
      cliPath: config.temporal.cliPath,
      port: config.temporal.devPort,
      uiPort: config.temporal.devUiPort,
      dataDir: config.dataDir,
      detached: options.detachedDevServer,
      logger,
    });
    address = devServer.address;
    uiUrl ??= devServer.uiUrl;
  }

  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 10_000 });
  } catch (error) {
    throw new Error(
      `cannot reach the Temporal server at ${address}` +
        (config.temporal.address ? ' (TEMPORAL_ADDRESS)' : '') +
        `: ${(error as Error).message}`,
      { cause: error },
    );
  }
  await registerSearchAttributes(connection, config.temporal.namespace, logger);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    connection,
    client,
    namespace: config.temporal.namespace,
    uiUrl,
    devServer,
    close: async () => {
      await connection.close();
    },
  };
}

/** Adds the call search attributes that the namespace lacks; existing ones are left alone. */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  logger?: Logger,
): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = CALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return;

  const types = proto.temporal.api.enums.v1.IndexedValueType;
  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, types[`INDEXED_VALUE_TYPE_${key.type}` as keyof typeof types]]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  logger?.info(
    { added: missing.map((key) => key.name), namespace },
    'registered search attributes',
  );
}

/** Link to one call's workflow in the Web UI. */
export function workflowUiLink(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
