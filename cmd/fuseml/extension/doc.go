// Package extension is `fuseml extension`: register extensions from descriptor files
// (YAML or JSON, with their services, endpoints and credentials), list them with
// FuseML's query filters, show, update and delete them. The service, endpoint and
// credentials subpackages manage the parts of a registered extension.
package extension
