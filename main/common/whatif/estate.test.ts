import { describe, expect, it } from 'vitest';
import { checkFailures, describeFailure, estateLinks, membershipAlternatives, Reachability, type Estate } from './estate.js';

const threeSites: Estate = { sites: ['a', 'b', 'c'] };

describe('the estate after failures', () => {
  it('links every site pair unless the links are listed', () => {
    expect(estateLinks(threeSites)).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(estateLinks({ sites: ['a', 'b', 'c'], links: [['b', 'a'], ['a', 'b'], ['c', 'b']] })).toEqual([
      ['a', 'b'],
      ['b', 'c'],
    ]);
  });

  it('says who reaches whom once a site is lost or a link is cut (no detour through a third site)', () => {
    const reach = new Reachability(threeSites, [{ kind: 'link', between: ['a', 'b'] }]);
    expect(reach.linked('a', 'b')).toBe(false);
    expect(reach.linked('a', 'c')).toBe(true);
    expect(reach.linked('a', 'a')).toBe(true);
    const lost = new Reachability(threeSites, [{ kind: 'site', site: 'c' }]);
    expect(lost.siteUp('c')).toBe(false);
    expect(lost.linked('c', 'c')).toBe(false);
    expect(lost.linked('b', 'c')).toBe(false);
  });

  it('refuses failures naming what the estate does not have', () => {
    expect(checkFailures(threeSites, [{ kind: 'site', site: 'x' }])).toEqual(['There is no site "x"; the sites are a, b, c.']);
    expect(checkFailures({ sites: ['a', 'b', 'c'], links: [['a', 'b']] }, [{ kind: 'link', between: ['a', 'c'] }])).toEqual(['Sites a and c have no direct link to cut.']);
    expect(checkFailures(threeSites, [{ kind: 'link', between: ['a', 'a'] }])).toEqual(['A link joins two different sites; "a" was given twice.']);
  });

  it('words failures for the admin', () => {
    expect(describeFailure({ kind: 'site', site: 'b' })).toBe('site b lost');
    expect(describeFailure({ kind: 'link', between: ['c', 'a'] })).toBe('link a–c cut');
  });
});

describe('memberships the sites can settle on', () => {
  it('is one answer when every connected part is fully connected', () => {
    expect(membershipAlternatives(['a', 'b', 'c'], new Reachability(threeSites, []))).toEqual([{ groups: [['a', 'b', 'c']] }]);
    const isolated = new Reachability(threeSites, [
      { kind: 'link', between: ['a', 'b'] },
      { kind: 'link', between: ['a', 'c'] },
    ]);
    expect(membershipAlternatives(['a', 'b', 'c'], isolated)).toEqual([{ groups: [['a'], ['b', 'c']] }]);
    expect(membershipAlternatives(['a', 'b', 'c'], new Reachability(threeSites, [{ kind: 'site', site: 'b' }]))).toEqual([{ groups: [['a', 'c']] }]);
  });

  it('is every way to drop one side when a cut leaves the links non-transitive', () => {
    const cut = new Reachability(threeSites, [{ kind: 'link', between: ['a', 'c'] }]);
    expect(membershipAlternatives(['a', 'b', 'c'], cut)).toEqual([{ groups: [['a', 'b'], ['c']] }, { groups: [['a'], ['b', 'c']] }]);
    // Four sites in a ring (a–b–c–d–a) with the diagonals cut: pairs of neighbours.
    const ring = new Reachability({ sites: ['a', 'b', 'c', 'd'], links: [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'a']] }, []);
    expect(membershipAlternatives(['a', 'b', 'c', 'd'], ring)).toEqual([{ groups: [['a', 'b'], ['c', 'd']] }, { groups: [['a', 'd'], ['b', 'c']] }]);
  });
});
