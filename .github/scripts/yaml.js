// parseYAML reads the subset of YAML that this repository's workflows,
// composite actions and dependabot.yml are written in, so the workflow tests
// can check what a workflow says rather than grep its text. Node ships no
// YAML parser and the tests install no packages.
//
// Supported: block mappings and sequences (also "- key: value" items),
// plain, single- and double-quoted scalars, plain scalars continued on more
// indented lines, flow sequences and mappings of scalars ([a, b], {a: b}),
// literal (|) and folded (>) block scalars with - / + chomping, comments.
// Scalars follow the core schema (null, true/false, integers, floats).
// Anything else (anchors, aliases, tags, documents, multi-line quoted
// scalars) is an error naming the line, never a silent misreading.
'use strict';

class YAMLError extends Error {
  constructor(no, msg) {
    super(`line ${no}: ${msg}`);
    this.line = no;
  }
}

// stripComment removes a trailing " # comment" that is outside quotes.
function stripComment(s) {
  let quote = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && s[i + 1] === "'") { i++; continue; }
        quote = null;
      } else if (quote === '"' && c === '\\') {
        i++;
      }
      continue;
    }
    if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(s[i - 1]))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function plainScalar(s) {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

function doubleQuoted(s, no) {
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c !== '\\') { out += c; continue; }
    const n = s[++i];
    const simple = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', ' ': ' ', e: '\x1b' };
    if (n in simple) out += simple[n];
    else if (n === 'x' || n === 'u' || n === 'U') {
      const len = { x: 2, u: 4, U: 8 }[n];
      const hex = s.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new YAMLError(no, `bad escape \\${n}${hex}`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else throw new YAMLError(no, `unsupported escape \\${n}`);
  }
  return out;
}

// scalar reads one inline value: quoted, flow collection or plain.
function scalar(s, no) {
  s = s.trim();
  if (s === '') return null;
  const c = s[0];
  if (c === '&' || c === '*' || c === '!') throw new YAMLError(no, `anchors, aliases and tags are not supported: ${s}`);
  if (c === '"') {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(s)) throw new YAMLError(no, `unterminated or trailing text after a double-quoted scalar: ${s}`);
    return doubleQuoted(s, no);
  }
  if (c === "'") {
    if (!/^'(?:[^']|'')*'$/.test(s)) throw new YAMLError(no, `unterminated or trailing text after a single-quoted scalar: ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (c === '[' || c === '{') return flow(s, no);
  if (c === '|' || c === '>') throw new YAMLError(no, `a block scalar must end its line: ${s}`);
  if (/^(-|\?|:)(\s|$)/.test(s)) throw new YAMLError(no, `unexpected indicator: ${s}`);
  return plainScalar(s);
}

// splitFlow splits the inside of a flow collection on top-level commas.
function splitFlow(inner, no) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    cur += c;
    if (quote) {
      if (c === '\\' && quote === '"') { cur += inner[++i]; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) { parts.push(cur.slice(0, -1)); cur = ''; }
  }
  if (quote || depth !== 0) throw new YAMLError(no, `unbalanced flow collection: ${inner}`);
  if (cur.trim() !== '') parts.push(cur);
  return parts.map(p => p.trim());
}

function flow(s, no) {
  const open = s[0];
  const close = open === '[' ? ']' : '}';
  if (s[s.length - 1] !== close) throw new YAMLError(no, `flow collection not closed on its line: ${s}`);
  const parts = splitFlow(s.slice(1, -1), no);
  if (open === '[') return parts.map(p => scalar(p, no));
  const obj = {};
  for (const p of parts) {
    const kv = splitKey(p, no);
    if (!kv) throw new YAMLError(no, `flow mapping entry without "key: value": ${p}`);
    obj[kv.key] = scalar(kv.rest, no);
  }
  return obj;
}

// splitKey splits "key: rest" (rest may be empty); null when the text is not
// a mapping entry.
function splitKey(s, no) {
  let key;
  let after;
  if (s[0] === '"' || s[0] === "'") {
    const m = s[0] === '"' ? /^"(?:[^"\\]|\\.)*"/.exec(s) : /^'(?:[^']|'')*'/.exec(s);
    if (!m) return null;
    after = s.slice(m[0].length);
    if (!/^\s*:(\s|$)/.test(after)) return null;
    key = scalar(m[0], no);
    after = after.replace(/^\s*:/, '');
  } else {
    const m = /^([^\s#'"[\]{},][^#]*?)\s*:(\s|$)/.exec(s);
    if (!m || /^-(\s|$)/.test(s)) return null;
    key = m[1];
    after = s.slice(m[0].length - m[2].length);
  }
  return { key: String(key), rest: after.trim() };
}

function parseYAML(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((raw, i) => {
    if (/\t/.test(raw.match(/^\s*/)[0])) throw new YAMLError(i + 1, 'tab in indentation');
    return { raw, no: i + 1 };
  });
  let pos = 0;
  const blank = l => /^\s*(#.*)?$/.test(l.raw);
  const indentOf = l => l.raw.match(/^ */)[0].length;
  const skip = () => { while (pos < lines.length && blank(lines[pos])) pos++; };

  for (const l of lines) {
    if (/^(---|\.\.\.)(\s|$)/.test(l.raw) || /^%/.test(l.raw)) throw new YAMLError(l.no, 'document markers and directives are not supported');
  }

  // block value starting on the next significant line, indented more than
  // parentIndent (or a sequence at parentIndent when seqAtParent).
  function parseBlock(parentIndent, seqAtParent) {
    skip();
    if (pos >= lines.length) return null;
    const l = lines[pos];
    const ind = indentOf(l);
    const content = l.raw.slice(ind);
    const isSeq = /^-(\s|$)/.test(content);
    if (ind > parentIndent || (seqAtParent && ind === parentIndent && isSeq)) {
      return isSeq ? parseSeq(ind) : parseMap(ind);
    }
    return null;
  }

  function parseSeq(ind) {
    const items = [];
    for (;;) {
      skip();
      if (pos >= lines.length) break;
      const l = lines[pos];
      const li = indentOf(l);
      const content = l.raw.slice(li);
      if (li < ind) break;
      if (li > ind) throw new YAMLError(l.no, `unexpected indentation ${li} in a sequence at ${ind}`);
      if (!/^-(\s|$)/.test(content)) break;
      const rest = content.slice(1).replace(/^\s+/, '');
      if (stripComment(rest) === '') {
        pos++;
        items.push(parseBlock(ind, false));
        continue;
      }
      // "- key: value" or "- - x": the rest is a node at its own column.
      const col = li + (content.length - rest.length);
      if (splitKey(stripComment(rest), l.no) || /^-(\s|$)/.test(rest)) {
        lines[pos] = { raw: ' '.repeat(col) + rest, no: l.no };
        items.push(/^-(\s|$)/.test(rest) ? parseSeq(col) : parseMap(col));
      } else {
        items.push(inlineValue(rest, li, l.no));
      }
    }
    return items;
  }

  function parseMap(ind) {
    const obj = {};
    for (;;) {
      skip();
      if (pos >= lines.length) break;
      const l = lines[pos];
      const li = indentOf(l);
      if (li < ind) break;
      if (li > ind) throw new YAMLError(l.no, `unexpected indentation ${li} in a mapping at ${ind}`);
      const content = l.raw.slice(li);
      if (/^-(\s|$)/.test(content)) break;
      const kv = splitKey(content, l.no);
      if (!kv) throw new YAMLError(l.no, `expected "key: value": ${content}`);
      if (Object.prototype.hasOwnProperty.call(obj, kv.key)) throw new YAMLError(l.no, `duplicate key ${kv.key}`);
      if (stripComment(kv.rest) === '') {
        pos++;
        obj[kv.key] = parseBlock(ind, true);
      } else {
        obj[kv.key] = inlineValue(kv.rest, ind, l.no);
      }
    }
    return obj;
  }

  // inlineValue reads the value that starts on line pos (text s) of a node
  // whose key or dash is at indent ind, consuming the line and any block
  // scalar or plain continuation lines.
  function inlineValue(s, ind, no) {
    const head = stripComment(s);
    const bm = /^([|>])([-+]?)([1-9]?)([-+]?)$/.exec(head);
    if (bm) {
      pos++;
      return blockScalar(bm[1], bm[2] || bm[4], bm[3] ? ind + Number(bm[3]) : 0, ind, no);
    }
    pos++;
    let value = head;
    // A plain scalar may continue on more-indented lines.
    if (!/^["'[{]/.test(head)) {
      while (pos < lines.length && !blank(lines[pos]) && indentOf(lines[pos]) > ind) {
        const next = stripComment(lines[pos].raw.trim());
        if (splitKey(next, lines[pos].no) || /^-(\s|$)/.test(next)) throw new YAMLError(lines[pos].no, `a mapping or sequence cannot follow the scalar of line ${no}`);
        value += ' ' + next;
        pos++;
      }
    } else {
      if (pos < lines.length && !blank(lines[pos]) && indentOf(lines[pos]) > ind) throw new YAMLError(lines[pos].no, 'multi-line quoted or flow scalars are not supported');
    }
    return scalar(value, no);
  }

  function blockScalar(style, chomp, fixedIndent, parentIndent, no) {
    const body = [];
    let blockIndent = fixedIndent;
    while (pos < lines.length) {
      const l = lines[pos];
      if (/^\s*$/.test(l.raw)) { body.push(''); pos++; continue; }
      const li = indentOf(l);
      if (!blockIndent) {
        if (li <= parentIndent) break;
        blockIndent = li;
      }
      if (li < blockIndent) break;
      body.push(l.raw.slice(blockIndent));
      pos++;
    }
    // Trailing blank lines belong to chomping, not content.
    let trailing = 0;
    while (body.length && body[body.length - 1] === '') { body.pop(); trailing++; }
    if (body.length === 0) return '';
    let text;
    if (style === '|') {
      text = body.join('\n');
    } else {
      text = '';
      for (let i = 0; i < body.length; i++) {
        const line = body[i];
        if (i === 0) { text = line; continue; }
        const prev = body[i - 1];
        const moreIndented = /^\s/.test(line) || /^\s/.test(prev);
        if (line === '') text += '\n';
        else if (prev === '' || moreIndented) text += (prev === '' ? '' : '\n') + line;
        else text += ' ' + line;
      }
    }
    if (chomp === '-') return text;
    if (chomp === '+') return text + '\n' + '\n'.repeat(trailing);
    return text + '\n';
  }

  const value = parseBlock(-1, false);
  skip();
  if (pos < lines.length) throw new YAMLError(lines[pos].no, `unexpected text: ${lines[pos].raw.trim()}`);
  return value;
}

module.exports = { parseYAML, YAMLError };
