import { AsyncApiDocument } from './asyncapi-document';

/**
 * The AsyncAPI document as one self-contained HTML page (/docs/asyncapi): channels, the messages
 * each direction carries, every payload field with its type and constraints, the shared schemas,
 * authentication and close codes. Rendered once on the server from the document itself, so the
 * page needs no script and nothing from elsewhere (the /docs CSP allows its inline styles).
 */

type Obj = Record<string, any>;

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2433;background:#f7f8fa}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
h3{margin:28px 0 6px}section.card{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:4px 16px 12px;margin:12px 0}
code{background:#eef1f5;border-radius:3px;padding:0 3px;font-size:13px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}th,td{border:1px solid #d8dde6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td p{margin:0 0 4px}.muted{color:#5b6577}.tag{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;margin-right:6px}
.send{background:#dff3e4;color:#17612c}.receive{background:#e3ecfb;color:#1f4b99}nav a{margin-right:14px}a{color:#1f4b99}
`;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The Markdown the descriptions use: paragraphs, `- ` lists, `code` and **bold**. */
function markdown(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  const inline = (line: string) =>
    escape(line)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n').map((line) => line.trim());
      if (lines.every((line) => line.startsWith('- '))) {
        return `<ul>${lines.map((line) => `<li>${inline(line.slice(2))}</li>`).join('')}</ul>`;
      }
      return `<p>${inline(lines.join(' '))}</p>`;
    })
    .join('\n');
}

const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

function typeOf(schema: Obj): string {
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return `<a href="#${anchor('schema', name)}">${escape(name)}</a>`;
  }
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Obj[]).map(typeOf).join(' or ');
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type ?? 'any']) as string[];
  return types
    .map((type) => {
      if (type === 'array') return `${schema.items === undefined ? 'any' : typeOf(schema.items as Obj)}[]`;
      return escape(schema.format === undefined || type === 'null' ? type : `${type} (${String(schema.format)})`);
    })
    .join(' or ');
}

function constraintsOf(schema: Obj): string[] {
  const found: string[] = [];
  if (Array.isArray(schema.enum)) found.push(`one of ${schema.enum.map((value: unknown) => `<code>${escape(JSON.stringify(value))}</code>`).join(', ')}`);
  if (schema.pattern !== undefined) found.push(`pattern <code>${escape(String(schema.pattern))}</code>`);
  for (const [keyword, label] of [
    ['minimum', 'min'],
    ['maximum', 'max'],
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['default', 'default'],
  ] as const) {
    if (schema[keyword] !== undefined) found.push(`${label} <code>${escape(JSON.stringify(schema[keyword]))}</code>`);
  }
  const examples = schema.examples as unknown[] | undefined;
  if (examples !== undefined && examples.length > 0) found.push(`e.g. <code>${escape(JSON.stringify(examples[0]))}</code>`);
  return found;
}

/** One row per field, nested objects and arrays of objects expanded with dotted paths. */
function fieldRows(schema: Obj, path: string, required: boolean, rows: string[]): void {
  const description = [markdown(schema.description as string | undefined), ...constraintsOf(schema)].filter(Boolean).join(' ');
  if (path !== '') {
    rows.push(`<tr><td><code>${escape(path)}</code></td><td>${typeOf(schema)}</td><td>${required ? 'yes' : ''}</td><td>${description}</td></tr>`);
  }
  const object = schema.type === 'array' && typeof schema.items === 'object' && schema.items.$ref === undefined ? (schema.items as Obj) : schema;
  const prefix = object === schema ? path : `${path}[]`;
  const requiredNames = new Set((object.required ?? []) as string[]);
  for (const [name, field] of Object.entries((object.properties ?? {}) as Record<string, Obj>)) {
    fieldRows(field, prefix === '' ? name : `${prefix}.${name}`, requiredNames.has(name), rows);
  }
}

function schemaTable(schema: Obj): string {
  const rows: string[] = [];
  fieldRows(schema, '', true, rows);
  if (rows.length === 0) return `<p class="muted">Type: ${typeOf(schema)} ${constraintsOf(schema).join(' ')}</p>`;
  return `<table><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr>${rows.join('')}</table>`;
}

function resolve(document: Obj, ref: string): Obj {
  return ref
    .slice(2)
    .split('/')
    .reduce<Obj>((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Obj, document);
}

export function renderAsyncApiPage(document: AsyncApiDocument, jsonPath: string): string {
  const doc = document as Obj;
  const channels = Object.entries(doc.channels as Record<string, Obj>);
  const operations = Object.values(doc.operations as Record<string, Obj>);
  const messages = Object.entries(doc.components.messages as Record<string, Obj>);
  const frameSchemas = new Set(messages.map(([, message]) => refName(message.payload.$ref as string)));
  const shared = Object.entries(doc.components.schemas as Record<string, Obj>).filter(([name]) => !frameSchemas.has(name));
  const messageLink = (ref: string) => {
    const id = refName(resolve(doc, ref).$ref as string);
    return `<a href="#${anchor('message', id)}">${escape(String(resolve(doc, `#/components/messages/${id}`).name))}</a>`;
  };

  const channelSections = channels.map(([name, channel]) => {
    const directions = operations
      .filter((operation) => operation.channel.$ref === `#/channels/${name}`)
      .map(
        (operation) =>
          `<p><span class="tag ${escape(String(operation.action))}">${operation.action === 'send' ? 'server → client' : 'client → server'}</span>` +
          `${(operation.messages as Obj[]).map((message) => messageLink(message.$ref as string)).join(', ')}</p>`,
      );
    const binding = channel.bindings?.ws as Obj | undefined;
    return (
      `<section class="card" id="${anchor('channel', name)}"><h3><code>${escape(String(channel.address))}</code></h3>` +
      `${markdown(channel.description as string)}${directions.join('')}` +
      (binding === undefined
        ? ''
        : `<p class="muted">Query parameters of the upgrade request:</p>${schemaTable(binding.query as Obj)}` +
          `<p class="muted">Headers of the upgrade request:</p>${schemaTable(binding.headers as Obj)}`) +
      '</section>'
    );
  });

  const messageSections = messages.map(([id, message]) => {
    const directions = operations
      .filter((operation) => (operation.messages as Obj[]).some((ref) => refName(resolve(doc, ref.$ref as string).$ref as string) === id))
      .map((operation) => operation.action as string);
    const action = directions[0] ?? 'send';
    const payload = doc.components.schemas[refName(message.payload.$ref as string)] as Obj;
    return (
      `<section class="card" id="${anchor('message', id)}"><h3><span class="tag ${escape(action)}">` +
      `${action === 'send' ? 'server → client' : 'client → server'}</span>${escape(String(message.name))}</h3>` +
      `<p><strong>${escape(String(message.summary))}</strong></p>${markdown(message.description as string)}${schemaTable(payload)}</section>`
    );
  });

  const schemaSections = shared.map(
    ([name, schema]) =>
      `<section class="card" id="${anchor('schema', name)}"><h3>${escape(name)}</h3>${markdown(schema.description as string)}${schemaTable(schema)}</section>`,
  );

  const servers = Object.entries(doc.servers as Record<string, Obj>).map(
    ([name, server]) =>
      `<tr><td>${escape(name)}</td><td><code>${escape(`${String(server.protocol)}://${String(server.host)}`)}</code></td><td>${markdown(server.description as string)}</td></tr>`,
  );
  const security = Object.entries(doc.components.securitySchemes as Record<string, Obj>).map(
    ([name, scheme]) => `<tr><td>${escape(name)}</td><td>${escape(String(scheme.type))}</td><td>${markdown(scheme.description as string)}</td></tr>`,
  );
  const closeCodes = (doc['x-close-codes'] as Array<{ code: number; name: string; meaning: string }>).map(
    ({ code, name, meaning }) => `<tr><td>${code}</td><td>${escape(name)}</td><td>${markdown(meaning)}</td></tr>`,
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(String(doc.info.title))}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escape(String(doc.info.title))}</h1>
<p class="muted">AsyncAPI ${escape(String(doc.asyncapi))} · version ${escape(String(doc.info.version))} ·
<a href="${escape(jsonPath)}">the document (JSON)</a> · <a href="/docs">REST API (OpenAPI)</a></p>
<nav><a href="#channels">Channels</a><a href="#messages">Messages</a><a href="#schemas">Schemas</a><a href="#close-codes">Close codes</a></nav>
${markdown(doc.info.description as string)}
<h2 id="servers">Servers and authentication</h2>
<table><tr><th>server</th><th>url</th><th></th></tr>${servers.join('')}</table>
<table><tr><th>security scheme</th><th>type</th><th></th></tr>${security.join('')}</table>
<h2 id="channels">Channels</h2>${channelSections.join('\n')}
<h2 id="messages">Messages</h2>${messageSections.join('\n')}
<h2 id="schemas">Schemas</h2><p class="muted">Shapes shared with the REST API.</p>${schemaSections.join('\n')}
<h2 id="close-codes">Close codes</h2>
<table><tr><th>code</th><th>name</th><th>meaning</th></tr>${closeCodes.join('')}</table>
</main></body></html>
`;
}
