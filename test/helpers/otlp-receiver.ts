import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One export request as the receiver got it. */
export interface OtlpRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An attribute value of OTLP's JSON encoding, decoded. */
export type OtlpValue = string | number | boolean | OtlpValue[] | undefined;

/** A span of an OTLP/JSON export, with its attributes as a plain object. */
export interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  attributes: Record<string, OtlpValue>;
  status: { code?: number; message?: string };
  /** Its resource's attributes (`service.name`, ...). */
  resource: Record<string, OtlpValue>;
}

interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: JsonValue[] };
}
interface JsonAttribute {
  key: string;
  value: JsonValue;
}

function decodeValue(value: JsonValue): OtlpValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(attributes: JsonAttribute[] | undefined): Record<string, OtlpValue> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, decodeValue(value)]));
}

/**
 * A minimal OTLP/HTTP collector for tests: on 127.0.0.1 on a free port, it answers every POST with success (an empty
 * `ExportTraceServiceResponse`, in the request's encoding) and keeps what it was sent. `spans()` decodes the requests
 * sent in the JSON encoding (`http/json`); protobuf ones are kept as bytes.
 */
export class OtlpReceiver {
  readonly requests: OtlpRequest[] = [];
  #server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const json = req.headers['content-type']?.startsWith('application/json') === true;
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:<port>`: what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every span of the JSON-encoded requests so far. */
  spans(): OtlpSpan[] {
    const found: OtlpSpan[] = [];
    for (const request of this.requests) {
      if (request.headers['content-type']?.startsWith('application/json') !== true) continue;
      const body = JSON.parse(request.body.toString('utf8')) as {
        resourceSpans?: Array<{
          resource?: { attributes?: JsonAttribute[] };
          scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
        }>;
      };
      for (const resourceSpans of body.resourceSpans ?? []) {
        const resource = decodeAttributes(resourceSpans.resource?.attributes);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            found.push({
              name: span.name as string,
              kind: span.kind as number,
              traceId: span.traceId as string,
              spanId: span.spanId as string,
              parentSpanId: (span.parentSpanId as string | undefined) ?? '',
              attributes: decodeAttributes(span.attributes as JsonAttribute[] | undefined),
              status: (span.status as OtlpSpan['status'] | undefined) ?? {},
              resource,
            });
          }
        }
      }
    }
    return found;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
