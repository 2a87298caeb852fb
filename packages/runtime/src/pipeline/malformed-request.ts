/**
 * A request whose bytes did not decode; the pipeline answers it with a bad-request error. In a module of
 * its own so the gRPC adapter can make one without loading the pipeline.
 */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}
