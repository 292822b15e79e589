// Package workflow holds `fuseml workflow`: compiling FuseML workflows to Tekton.
package workflow
