import { beforeEach, describe, expect, it } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { HttpEventType, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { NdjsonLines, SearchApi, type FirstScreenPart } from './search.api';

describe('NdjsonLines', () => {
  it('returns each complete line once as the text grows; the final call takes an unterminated tail', () => {
    const l = new NdjsonLines();
    expect(l.take('{"a":1}\n{"b":')).toEqual([{ a: 1 }]);
    expect(l.take('{"a":1}\n{"b":')).toEqual([]);
    expect(l.take('{"a":1}\n{"b":2}\n\n{"c":"<3"}')).toEqual([{ b: 2 }]);
    expect(l.take('{"a":1}\n{"b":2}\n\n{"c":"<3"}', true)).toEqual([{ c: '<3' }]);
  });
});

describe('SearchApi.firstScreen', () => {
  let http: HttpTestingController;
  let api: SearchApi;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(SearchApi);
  });

  it('emits the histogram as soon as its line arrives, then the page', () => {
    const parts: FirstScreenPart[] = [];
    let done = false;
    api.firstScreen({ q: 'a', dataset: 'events', from: '2026-11-28T00:00:00Z', to: '2026-11-29T00:00:00Z' }).subscribe({ next: (p) => parts.push(p), complete: () => (done = true) });
    const req = http.expectOne((r) => r.url === '/api/v1/events/first-screen');
    expect(req.request.params.get('q')).toBe('a');
    expect(req.request.params.get('size')).toBe('50');
    const hist = '{"type":"histogram","total":3,"intervalMs":60000,"buckets":[{"key":0,"count":3}]}\n';
    req.event({ type: HttpEventType.DownloadProgress, loaded: hist.length, partialText: hist });
    expect(parts.map((p) => p.type)).toEqual(['histogram']);
    expect(done).toBe(false);
    const page = '{"type":"page","total":3,"events":[{"_id":"x"}]}\n';
    req.flush(hist + page);
    expect(parts.map((p) => p.type)).toEqual(['histogram', 'page']);
    expect(parts[1]).toMatchObject({ total: 3, events: [{ _id: 'x' }] });
    expect(done).toBe(true);
  });

  it('a refused query comes back with its JSON body (column details) although the request read text', () => {
    let err: { status?: number; error?: { details?: { column?: number } } } | undefined;
    api.firstScreen({ q: 'a AND', dataset: 'events', from: '', to: '' }).subscribe({ error: (e) => (err = e) });
    http.expectOne((r) => r.url === '/api/v1/events/first-screen').flush('{"error":"unexpected end","details":{"column":6}}', { status: 400, statusText: 'Bad Request' });
    expect(err?.status).toBe(400);
    expect(err?.error?.details?.column).toBe(6);
  });
});
