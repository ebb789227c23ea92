import { badAck, metadataFailure, statusFailure, transportFailure } from '../../../src/engine/delivery/failure';
import { MetadataThrottled, MetadataUnavailable } from '../../../src/engine/delivery/metadata-client';

describe('delivery failure reasons', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, 'refused', 'connection refused'],
    [{ code: 'ECONNRESET' }, 'refused', 'connection reset'],
    [{ code: 'UND_ERR_SOCKET' }, 'refused', 'connection reset'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout', 'no answer within 2000 ms'],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'timeout', 'no answer within 2000 ms'],
    [{ code: 'ENOTFOUND' }, 'unreachable', 'host not found'],
    [{ code: 'EHOSTUNREACH' }, 'unreachable', 'host unreachable'],
    [{ name: 'AbortError' }, 'cancelled', 'delivery cancelled'],
    [{ code: 'EPROTO' }, 'other', 'transport error: boom'],
  ])('a transport error %o is %s', (err, reason, message) => {
    expect(transportFailure({ message: 'boom', ...err }, 2000)).toEqual({ reason, message });
  });

  it.each([
    [503, 'http_5xx'],
    [500, 'http_5xx'],
    [404, 'http_4xx'],
    [401, 'http_4xx'],
    [302, 'other'],
  ])('a node answering %i is %s', (status, reason) => {
    expect(statusFailure(status)).toEqual({ reason, message: `node answered ${status}` });
  });

  it('a lying or garbled ack is bad_ack', () => {
    expect(badAck("ack names version 'x'")).toEqual({ reason: 'bad_ack', message: "ack names version 'x'" });
  });

  it('classifies the metadata source, and nothing else, from what the fetch threw', () => {
    expect(metadataFailure(new MetadataThrottled(3000, 429))).toEqual({
      reason: 'metadata_throttled',
      message: 'metadata source throttled (429, retry after 3s)',
    });
    expect(metadataFailure(new MetadataUnavailable('metadata source answered 500'))).toEqual({
      reason: 'metadata_unavailable',
      message: 'metadata source answered 500',
    });
    expect(metadataFailure(new Error('a bug'))).toBeNull();
  });
});
