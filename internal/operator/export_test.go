package operator

// Sweep runs one pass of the sweeper, for the tests of package operator_test.
var Sweep = (*SessionSweeper).sweep
