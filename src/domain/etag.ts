/** `W/"abc"` and `"abc"` are the version `abc`: quotes belong to HTTP and S3, not to the version. */
export const bareEtag = (etag: string): string => etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
