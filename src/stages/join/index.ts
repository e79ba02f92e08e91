export {
  joinStage,
  joinStoreNames,
  type JoinStageOptions,
  type JoinStoreNames,
} from './join-stage.js';
