// Every type registers itself with the builder on import.
import './query';
import './mutation';
import './date-time';
import './date-range-input';
import './author';
import './post';
import './post-connection';
import './export-result';
import './post-filters';
import './volume-bucket';
import './facet';
