// Package service is `fuseml extension service`: add, list, show, update and delete
// the services of a registered extension.
package service
