// The `annotation` option of the file, env and docker-config backends: a service-account
// annotation whose value picks a sub-scope of the backend's credentials (a subdirectory, a
// variable prefix). The value comes from the pod's service account, which its namespace may edit:
// it is checked as a DNS label, so that it can never become a path or reach another scope, and it
// is never printed.
import * as v from "valibot";
import { isAnnotationKey, isDnsLabel } from "../../src/core/service-account.ts";
import type { BackendContext, LookupTarget } from "../types.ts";

/** The option: a Kubernetes annotation key ("example.org/registry-account"). */
export const annotationOption = v.optional(
  v.pipe(v.string(), v.check(isAnnotationKey, "must be an annotation key such as example.org/registry-account")),
);

/**
 * The sub-scope for this request: undefined when the backend has no `annotation` (the whole
 * backend applies), null when the request does not carry the annotation or its value is not a DNS
 * label (the backend then has nothing for it), else the value.
 */
export function annotationScope(annotation: string | undefined, target: LookupTarget, context: BackendContext): string | null | undefined {
  if (annotation === undefined) return undefined;
  const value = target.serviceAccount.serviceAccountAnnotations?.[annotation];
  if (value === undefined) {
    context.debug(`the request has no service-account annotation ${annotation}: nothing here`);
    return null;
  }
  if (!isDnsLabel(value)) {
    context.debug(`the value of the service-account annotation ${annotation} is not a DNS label: nothing here`);
    return null;
  }
  return value;
}
