package kqldiff

// ruledexParser is ruledex's KQL parser as the comparison sees it; nil until
// internal/lang/kql is committed.
var ruledexParser Parser
