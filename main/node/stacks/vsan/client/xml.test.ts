import { describe, expect, it } from 'vitest';
import { decodeEntities, escapeXml, parseXml } from './xml.js';

describe('XML text for vCenter', () => {
  it('escapes the five markup characters so a hostile name stays text', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const name = `x</name><password>leak</password><name>`;
    const back = parseXml(`<r><name>${escapeXml(name)}</name></r>`, 'test');
    expect(back.children).toHaveLength(1);
    expect(back.text('name')).toBe(name);
  });

  it('refuses characters XML cannot carry instead of altering the value', () => {
    expect(() => escapeXml('nul\u0000', 'The cluster name')).toThrow(/The cluster name contains a control character/);
    expect(() => escapeXml('bell\u0007')).toThrow(/control character/);
    expect(() => escapeXml('lone \uD800 surrogate')).toThrow(/control character/);
    expect(escapeXml('tab\tnewline\n emoji 😀 ü')).toBe('tab\tnewline\n emoji 😀 ü');
  });

  it('decodes entities once, including the character references Go writes', () => {
    expect(decodeEntities('&#39;&#34;&#x41;&lt;&amp;lt;')).toBe(`'"A<&lt;`);
    expect(decodeEntities('&nbsp;&unknown;')).toBe('&nbsp;&unknown;');
    const n = parseXml('<r a="&#34;q&#34;"><v>it&#39;s &amp;amp;</v></r>', 'test');
    expect(n.attrs.a).toBe('"q"');
    expect(n.text('v')).toBe("it's &amp;");
  });

  it('refuses a document type declaration (entity expansion) and broken XML, naming who sent it', () => {
    expect(() => parseXml('<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>', 'vCenter at 127.0.0.1:1')).toThrow(/vCenter at 127\.0\.0\.1:1 answered with an XML document type declaration/);
    expect(() => parseXml('<r><a></r>', 'vCenter at x')).toThrow(/vCenter at x answered with XML that does not parse/);
  });

  it('reads references, xsi:types, lists and paths', () => {
    const n = parseXml(
      '<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="HostSystem">host-1</ManagedObjectReference><ManagedObjectReference type="HostSystem">host-2</ManagedObjectReference><x><y><z>deep</z></y></x><b>true</b><i>42</i></val>',
      'test',
    );
    expect(n.xsiType).toBe('ArrayOfManagedObjectReference');
    expect(n.morefs('ManagedObjectReference')).toEqual([{ type: 'HostSystem', value: 'host-1' }, { type: 'HostSystem', value: 'host-2' }]);
    expect(n.at('x.y')?.text('z')).toBe('deep');
    expect(n.bool('b')).toBe(true);
    expect(n.int('i')).toBe(42);
    expect(() => parseXml('<r><obj>host-1</obj></r>', 't').child('obj')!.asMoRef()).toThrow(/without the type/);
  });
});
