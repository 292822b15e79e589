// Package application is `fuseml application`: list, get and delete the
// applications (prediction services) that workflows registered, with FuseML's
// commands, flags and table columns.
package application
